/**
 * Sentence embeddings for the local AI provider, in worker threads (one for interactive texts,
 * one for bulk work); concurrent requests are gathered into batches (the model embeds 32 texts in
 * about the time of 8 single ones).
 */
import { Worker } from 'node:worker_threads';
import type { EmbeddingWorkerData, EmbedRequest, EmbedResponse } from './embedding-worker.js';

export const EMBEDDING_DIMENSIONS = 512;
const MAX_BATCH = 32;
/** Long enough to gather concurrent requests, short against a ~20 ms inference. */
const GATHER_MS = 2;
/** The encoder reads at most this many characters of a text; the rest would only cost time. */
export const MAX_EMBED_CHARS = 2_000;

/**
 * Who is waiting for the vectors. `interactive` (the default): a person or a live message (triage,
 * drafts, search). `bulk`: large background work (a big training, indexing articles), which runs
 * in a second thread at a lower CPU priority, so it neither queues ahead of interactive texts nor
 * takes the cores from the API and the database. Small work stays interactive: on a machine busy
 * with other work a niced thread gets a tenth of a core, and a new account would wait minutes for
 * its first model.
 */
export type EmbeddingLane = 'interactive' | 'bulk';

export interface Embedder {
  embed(texts: string[], lane?: EmbeddingLane): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** The local encoder, telling /health whether its model is in memory. */
export interface LocalEmbedder extends Embedder {
  /** True once the lane's thread has answered an embedding (so its model is loaded), until the thread ends. */
  loaded(lane?: EmbeddingLane): boolean;
  /**
   * Loads the interactive lane's model now (seconds of CPU), for a process that will classify:
   * its first customer message would wait for the loading otherwise.
   */
  warmUp(): Promise<void>;
}

/** The worker is the compiled file (Node runs no TypeScript), found from src/ and dist/ alike. */
const workerFile = new URL('../../../dist/platform/ai/embedding-worker.js', import.meta.url);

/** Each lane's thread (and its ~100 MB model) starts at its first embedding (or warm-up), not before. */
export function createEmbedder({ bulkIdleMs = BULK_IDLE_MS } = {}): LocalEmbedder {
  const interactive = createLane({ lowPriority: false });
  const bulk = createLane({ lowPriority: true }, bulkIdleMs);
  return {
    embed: (texts, lane = 'interactive') => (lane === 'bulk' ? bulk : interactive).embed(texts),
    loaded: (lane = 'interactive') => (lane === 'bulk' ? bulk : interactive).loaded(),
    warmUp: async () => {
      await interactive.embed(['warm-up']);
    },
    async close() {
      await Promise.all([interactive.close(), bulk.close()]);
    },
  };
}

/** The bulk thread gives its model's memory back after this long without work. */
const BULK_IDLE_MS = 60_000;

interface PendingText {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: Error) => void;
}

/** Batches a waiting call may be passed over before its next texts go first. */
const MAX_PASSED_OVER = 4;

/** The texts of one call of embed() not sent yet, and how many batches went without any of them. */
interface WaitingCall {
  texts: PendingText[];
  passedOver: number;
}

/**
 * One worker thread and the batching of the texts sent to it; ended after `idleMs` without work,
 * if given. One batch at a time goes to the thread (it embeds one at a time anyway), made of the
 * waiting calls with the fewest texts first: a live message's text goes in the next batch, with
 * other short calls, rather than behind (or padded with) the hundred sentences a draft asked for
 * just before. Large calls take their turns whenever no short one waits, and at least every
 * MAX_PASSED_OVER + 1 batches while short ones keep coming: a steady stream of them (a busy inbox)
 * would hold a training or an article's indexing back for ever otherwise. Counted in batches
 * rather than time: on a busy machine every batch is slower, and the share stays the same.
 */
function createLane(workerData: EmbeddingWorkerData, idleMs?: number) {
  let started: Worker | undefined;
  let loaded = false;
  const waiting = new Map<number, { resolve: (vectors: Float32Array[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  /** Oldest call first. */
  let calls: WaitingCall[] = [];
  let pendingCount = 0;
  let timer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  /** Called when an answer arrives: with nothing left to do, the thread ends after idleMs. */
  const idleCheck = () => {
    clearTimeout(idleTimer);
    if (idleMs === undefined || waiting.size > 0 || pendingCount > 0) return;
    const thread = started;
    idleTimer = setTimeout(() => {
      if (started !== thread || waiting.size > 0 || pendingCount > 0) return;
      started = undefined;
      void thread?.terminate();
    }, idleMs).unref();
  };

  const worker = () => {
    if (started) return started;
    started = new Worker(workerFile, { workerData });
    started.unref();
    started.on('message', (response: EmbedResponse) => {
      const request = waiting.get(response.id);
      waiting.delete(response.id);
      if ('error' in response) request?.reject(new Error(`embedding failed: ${response.error}`));
      else {
        loaded = true;
        request?.resolve(response.vectors);
      }
      flush();
      idleCheck();
    });
    started.on('error', (error) => {
      // Every text waiting fails with it, as when all were sent at once: a thread that cannot
      // start would fail the next one alike. The next call starts a new thread.
      for (const request of waiting.values()) request.reject(error);
      waiting.clear();
      for (const item of calls.flatMap((call) => call.texts)) item.reject(error);
      calls = [];
      pendingCount = 0;
      started = undefined;
    });
    const thread = started;
    thread.on('exit', () => {
      // A thread that ended takes its model with it (a replacement loads its own).
      if (started === thread || started === undefined) loaded = false;
    });
    return started;
  };

  /**
   * The next texts of the oldest call passed over MAX_PASSED_OVER times, if any; then the waiting
   * calls with the fewest texts first, whole, as many as fit in the batch; when even the smallest
   * does not fit an empty batch, its first MAX_BATCH texts.
   */
  function nextBatch(): PendingText[] {
    const batch: PendingText[] = [];
    const served = new Set<WaitingCall>();
    const take = (call: WaitingCall, count: number) => {
      batch.push(...call.texts.splice(0, count));
      served.add(call);
    };
    const due = calls.find((call) => call.passedOver >= MAX_PASSED_OVER);
    if (due) take(due, MAX_BATCH);
    // A stable sort: calls of one size keep their order.
    const bySize = calls.filter((call) => call.texts.length > 0).sort((a, b) => a.texts.length - b.texts.length);
    for (const call of bySize) {
      if (batch.length + call.texts.length > MAX_BATCH) break;
      take(call, call.texts.length);
    }
    if (batch.length === 0) take(bySize[0]!, MAX_BATCH);
    for (const call of calls) call.passedOver = served.has(call) ? 0 : call.passedOver + 1;
    calls = calls.filter((call) => call.texts.length > 0);
    pendingCount -= batch.length;
    return batch;
  }

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    clearTimeout(idleTimer);
    if (waiting.size > 0 || pendingCount === 0) return;
    const batch = nextBatch();
    const id = nextId++;
    waiting.set(id, {
      resolve: (vectors) => batch.forEach((item, i) => item.resolve(vectors[i]!)),
      reject: (error) => batch.forEach((item) => item.reject(error)),
    });
    worker().postMessage({ id, texts: batch.map((item) => item.text) } satisfies EmbedRequest);
  }

  return {
    embed(texts: string[]) {
      if (texts.length === 0) return Promise.resolve([]);
      const call: WaitingCall = { texts: [], passedOver: 0 };
      const vectors = Promise.all(
        texts.map(
          (text) =>
            new Promise<Float32Array>((resolve, reject) => {
              // The encoder cannot embed an empty string; a lone space embeds as "nothing said".
              call.texts.push({ text: text.slice(0, MAX_EMBED_CHARS).trim() || ' ', resolve, reject });
            }),
        ),
      );
      calls.push(call);
      pendingCount += call.texts.length;
      if (pendingCount >= MAX_BATCH) flush();
      else timer ??= setTimeout(flush, GATHER_MS);
      return vectors;
    },
    loaded: () => loaded,
    async close() {
      await started?.terminate();
    },
  };
}

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
