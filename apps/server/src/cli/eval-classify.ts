/**
 * npm run eval:classify -- --train <file> --test <file> [--per-category N]
 * Trains the local category model on the labelled training file (JSONL or CSV of text,label)
 * exactly as an account's model is trained (embeddings + n-grams, calibrated), classifies the
 * test file, and prints accuracy, macro-F1, calibration error and latency. Defaults to the
 * labelled set in apps/server/src/platform/ai/data.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createEmbedder } from '../platform/ai/embeddings.js';
import { evaluate, parseLabelled, type Scored } from '../platform/ai/evaluation.js';
import { predict, trainCategoryModel, type TrainingExample } from '../platform/ai/softmax-classifier.js';
import { textFeatures } from '../platform/ai/text-features.js';

const data = (name: string) => new URL(`../../src/platform/ai/data/${name}`, import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    train: { type: 'string', default: data('support-messages.train.jsonl') },
    test: { type: 'string', default: data('support-messages.test.jsonl') },
    'per-category': { type: 'string' },
  },
});
const load = (file: string) => parseLabelled(readFileSync(file, 'utf8'), file);
let train = load(values.train!);
const test = load(values.test!);
const limit = values['per-category'] ? Number(values['per-category']) : undefined;
if (limit) {
  const taken = new Map<string, number>();
  train = train.filter((row) => {
    const n = taken.get(row.label) ?? 0;
    taken.set(row.label, n + 1);
    return n < limit;
  });
}

const embedder = createEmbedder();
try {
  const trainVectors = await embedder.embed(train.map((row) => row.text));
  const examples: TrainingExample[] = train.map((row, i) => ({ dense: trainVectors[i]!, sparse: textFeatures(row.text), label: row.label }));
  let started = performance.now();
  const model = trainCategoryModel(examples);
  const trainingMs = performance.now() - started;

  const latencies: number[] = [];
  const scored: Scored[] = [];
  for (const row of test) {
    started = performance.now();
    const [vector] = await embedder.embed([row.text]);
    const [best] = predict(model, { dense: vector!, sparse: textFeatures(row.text) });
    latencies.push(performance.now() - started);
    scored.push({ label: row.label, predicted: best!.label, confidence: best!.probability });
  }
  latencies.sort((x, y) => x - y);
  const result = evaluate(scored);
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  console.log(
    `training: ${examples.length} examples${limit ? ` (${limit} per category)` : ''}, ${model.labels.length} categories, ${Math.round(trainingMs)} ms, temperature ${model.temperature.toFixed(2)}`,
  );
  console.log(`test: ${result.count} messages`);
  console.log(`accuracy ${pct(result.accuracy)}, macro-F1 ${result.macroF1.toFixed(3)}, calibration error (ECE) ${result.calibrationError.toFixed(3)}`);
  console.log(
    `latency per message (embedding + model): p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, p95 ${latencies[Math.floor(latencies.length * 0.95)]!.toFixed(1)} ms`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(result.perLabel).map(([label, m]) => [
        label,
        { precision: m.precision.toFixed(2), recall: m.recall.toFixed(2), f1: m.f1.toFixed(2), support: m.support },
      ]),
    ),
  );
} finally {
  await embedder.close();
}
