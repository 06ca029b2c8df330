/**
 * Sentence embeddings for the local AI provider. One model per process, in a worker thread;
 * concurrent requests are gathered into batches (the model embeds 32 texts in about the time
 * of 8 single ones).
 */
import { Worker } from 'node:worker_threads';
import type { EmbedRequest, EmbedResponse } from './embedding-worker.js';

export const EMBEDDING_DIMENSIONS = 512;
const MAX_BATCH = 32;
/** Long enough to gather concurrent requests, short against a ~20 ms inference. */
const GATHER_MS = 2;
/** The encoder reads at most this many characters of a text; the rest would only cost time. */
export const MAX_EMBED_CHARS = 2_000;

export interface Embedder {
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** The local encoder, telling /health whether its model is in memory. */
export interface LocalEmbedder extends Embedder {
  /** True once the worker thread has answered an embedding (so the model is loaded), until the thread ends. */
  loaded(): boolean;
}

/** The worker is the compiled file (Node runs no TypeScript), found from src/ and dist/ alike. */
const workerFile = new URL('../../../dist/platform/ai/embedding-worker.js', import.meta.url);

/** The worker thread (and its ~100 MB model) starts at the first embedding, not before. */
export function createEmbedder(): LocalEmbedder {
  let started: Worker | undefined;
  let loaded = false;
  const waiting = new Map<number, { resolve: (vectors: Float32Array[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let pending: { text: string; resolve: (vector: Float32Array) => void; reject: (error: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const worker = () => {
    if (started) return started;
    started = new Worker(workerFile);
    started.unref();
    started.on('message', (response: EmbedResponse) => {
      const request = waiting.get(response.id);
      waiting.delete(response.id);
      if ('error' in response) request?.reject(new Error(`embedding failed: ${response.error}`));
      else {
        loaded = true;
        request?.resolve(response.vectors);
      }
    });
    started.on('error', (error) => {
      for (const request of waiting.values()) request.reject(error);
      waiting.clear();
      started = undefined;
    });
    const thread = started;
    thread.on('exit', () => {
      // A thread that ended takes its model with it (a replacement loads its own).
      if (started === thread || started === undefined) loaded = false;
    });
    return started;
  };

  function flush() {
    timer = undefined;
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH);
      pending = pending.slice(MAX_BATCH);
      const id = nextId++;
      waiting.set(id, {
        resolve: (vectors) => batch.forEach((item, i) => item.resolve(vectors[i]!)),
        reject: (error) => batch.forEach((item) => item.reject(error)),
      });
      worker().postMessage({ id, texts: batch.map((item) => item.text) } satisfies EmbedRequest);
    }
  }

  return {
    embed(texts) {
      return Promise.all(
        texts.map(
          (text) =>
            new Promise<Float32Array>((resolve, reject) => {
              // The encoder cannot embed an empty string; a lone space embeds as "nothing said".
              pending.push({ text: text.slice(0, MAX_EMBED_CHARS).trim() || ' ', resolve, reject });
              if (pending.length >= MAX_BATCH) flush();
              else timer ??= setTimeout(flush, GATHER_MS);
            }),
        ),
      );
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
