/**
 * Runs in a worker thread of its own (model-fitting.ts): computes the examples' n-grams, fits and
 * calibrates the category model, reports its progress after each pass, and answers with the model
 * encoded for storage. One fit a thread: ending the thread is how a fit is stopped.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { FitMessage, FitRequest } from './model-fitting.js';
import { decodeModel, encodeModel } from './model-codec.js';
import { packExamples, trainCategoryModel, type TrainingExample } from './softmax-classifier.js';
import { textFeatures } from './text-features.js';

/**
 * From this many examples a fit takes seconds of CPU and runs at the lowest priority; a smaller
 * one (a new account's default categories, a few corrections) takes well under a second, and at
 * nice 19 on a busy machine it would wait far longer than that for the CPU.
 */
const LOW_PRIORITY_FROM = 1_000;

const post = (message: FitMessage) => parentPort!.postMessage(message);

function* examples(request: FitRequest): Generator<TrainingExample> {
  const { dense, denseSize } = request;
  for (let i = 0; i < request.texts.length; i++) {
    yield {
      dense: dense.subarray(i * denseSize, (i + 1) * denseSize),
      sparse: textFeatures(request.texts[i]!),
      label: request.labels[i]!,
      weight: request.weights[i]!,
    };
  }
}

// `on`, not `once`: the thread stays until the server ends it, after it has read the answer.
parentPort!.on('message', (request: FitRequest) => {
  // Lowest priority for this thread alone: on Linux a thread's nice value is its own (set here,
  // after the imports, whose file reads may start the process's shared thread pool, which would
  // inherit it). Elsewhere the call would lower the whole server, so the fit keeps its priority.
  if (process.platform === 'linux' && request.texts.length >= LOW_PRIORITY_FROM) setPriority(19);
  try {
    let reported = -1;
    const model = trainCategoryModel(packExamples(examples(request), request.texts.length), {
      warmStart: request.warmStart ? decodeModel(request.warmStart) : undefined,
      onProgress: (done) => {
        // Whole percents: a message per pass of a large set, fewer for a small one.
        const percent = Math.floor(done * 100);
        if (percent > reported) post({ type: 'progress', done: (reported = percent) / 100 });
      },
    });
    post({ type: 'done', model: encodeModel(model), categories: model.labels.length, temperature: model.temperature });
  } catch (error) {
    post({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
});
