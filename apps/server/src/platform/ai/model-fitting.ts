/**
 * Fitting a category model off the event loop: each fit runs in a worker thread of its own
 * (training-worker.ts), so every account's requests, `/health` included, are served while one
 * account's model trains, and a fit can be stopped at any moment by ending its thread.
 *
 * A worker thread rather than a child process: the examples' vectors move to it without a copy,
 * it cannot outlive the server (a killed server leaves no orphan fitting on), and it is one code
 * path for the API, the worker processes and `npm start`. What a child process would add, a lower
 * OS priority, a thread has too on Linux (the nice value is a thread's own there): the fitting
 * thread sets itself to 19, so on a small machine the API and the database take the CPU they
 * want and the fit the rest.
 *
 * Memory: the thread's JavaScript heap is capped (resourceLimits); its typed arrays (vectors,
 * n-grams, weights) are bounded by the taxonomy's limits (50,000 examples, 200 categories: 100 MB
 * of vectors, 50-150 MB of n-grams, 13 MB of n-gram weights; a synthetic fit of that size
 * peaked at 591 MB resident for the whole process); and at
 * most MAX_FITS fits run at once in a process (many new accounts' first models, say), the others
 * waiting their turn.
 */
import { Worker } from 'node:worker_threads';

export interface FitRequest {
  texts: string[];
  labels: string[];
  /** Per example; corrections weigh more than seeded examples. */
  weights: number[];
  /** The examples' sentence embeddings end to end; its buffer moves to the fitting thread. */
  dense: Float32Array;
  denseSize: number;
  /** The model to start from (as stored), when there is one. */
  warmStart?: string | undefined;
}

export interface FittedModel {
  /** Encoded for its row in ai_models (model-codec). */
  model: string;
  categories: number;
  temperature: number;
}

export type FitMessage = { type: 'progress'; done: number } | ({ type: 'done' } & FittedModel) | { type: 'failed'; error: string };

/** The fit was stopped (its thread ended) before it finished. */
export class FitStopped extends Error {
  override readonly name = 'FitStopped';
}

/** The worker is the compiled file (Node runs no TypeScript), found from src/ and dist/ alike. */
const workerFile = new URL('../../../dist/platform/ai/training-worker.js', import.meta.url);
/** Its packed examples and weights live outside this heap; objects and texts stay well under it. */
const HEAP_LIMIT_MB = 512;

/** Two, so that a new account's small first model need not wait for a large taxonomy's fit. */
const MAX_FITS = 2;

const running = new Set<Worker>();
let free = MAX_FITS;
const queue: (() => void)[] = [];

/** Fitting threads alive in this process. */
export function fitsRunning(): number {
  return running.size;
}

/**
 * Fits and calibrates a model in a new thread, once a turn is free. Aborting `signal` ends the
 * thread (or the wait) and rejects with FitStopped; either way the promise settles once the thread
 * is gone.
 */
export async function fitCategoryModel(request: FitRequest, options: { signal: AbortSignal; onProgress?: (done: number) => void }): Promise<FittedModel> {
  await turn(options.signal);
  try {
    return await fitInThread(request, options);
  } finally {
    const next = queue.shift();
    if (next) next();
    else free += 1;
  }
}

function turn(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new FitStopped(String(signal.reason)));
  if (free > 0) {
    free -= 1;
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const go = () => {
      signal.removeEventListener('abort', cancel);
      resolve();
    };
    const cancel = () => {
      queue.splice(queue.indexOf(go), 1);
      reject(new FitStopped(String(signal.reason)));
    };
    queue.push(go);
    signal.addEventListener('abort', cancel, { once: true });
  });
}

function fitInThread(request: FitRequest, options: { signal: AbortSignal; onProgress?: (done: number) => void }): Promise<FittedModel> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(new FitStopped(String(signal.reason)));
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
    running.add(worker);
    let settled = false;
    const settle = (outcome: { model: FittedModel } | { error: Error }) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', stop);
      void worker.terminate().finally(() => {
        running.delete(worker);
        if ('model' in outcome) resolve(outcome.model);
        else reject(outcome.error);
      });
    };
    const stop = () => settle({ error: new FitStopped(String(signal.reason)) });
    signal.addEventListener('abort', stop, { once: true });
    worker.on('message', (message: FitMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.done);
      else if (message.type === 'done') settle({ model: { model: message.model, categories: message.categories, temperature: message.temperature } });
      else settle({ error: new Error(`fitting failed: ${message.error}`) });
    });
    // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or a crash ends the thread, not the server.
    worker.on('error', (error) => settle({ error }));
    worker.on('exit', (code) => settle({ error: new Error(`the fitting thread ended (exit code ${code}) without a model`) }));
    worker.postMessage(request, [request.dense.buffer as ArrayBuffer]);
  });
}
