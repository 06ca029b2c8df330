/**
 * npm run eval:classify [-- --train <file> --test <file>] [--per-category N] [--details]
 * Trains the local category model exactly as an account's model is trained (embeddings + n-grams,
 * calibrated) and classifies the held-out texts: accuracy, macro-F1, calibration error, accuracy
 * per language (for sets that name each text's language), fitting time and latency. By default over
 * every labelled set in apps/server/src/platform/ai/data, each with 10 examples a category and with
 * all of them; --train/--test (JSONL or CSV of text,label[,language]) evaluate one set instead,
 * --per-category one size, --details adds precision and recall per category.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createEmbedder } from '../platform/ai/embeddings.js';
import { evaluate, parseLabelled, type Evaluation, type Scored } from '../platform/ai/evaluation.js';
import { predict, trainCategoryModel, type CategoryModel, type Features } from '../platform/ai/softmax-classifier.js';
import { textFeatures } from '../platform/ai/text-features.js';

/**
 * The project's labelled sets: support messages in six languages (the default taxonomy's eight
 * categories), 48 fine-grained banking intents, and 12 shop intents written alike in en/fi/sv/de/fr/es.
 */
const LABELLED_SETS = ['support-messages', 'fintech-intents', 'shop-multilingual'];
const data = (name: string) => new URL(`../../src/platform/ai/data/${name}`, import.meta.url).pathname;

const { values } = parseArgs({
  options: { train: { type: 'string' }, test: { type: 'string' }, 'per-category': { type: 'string' }, details: { type: 'boolean', default: false } },
});
if (Boolean(values.train) !== Boolean(values.test)) throw new Error('--train and --test go together');
const sets = values.train
  ? [{ name: basename(values.train), train: values.train, test: values.test! }]
  : LABELLED_SETS.map((name) => ({ name, train: data(`${name}.train.jsonl`), test: data(`${name}.test.jsonl`) }));
/** Examples a category for each model; `undefined` is all of them. */
const sizes = values['per-category'] ? [Number(values['per-category'])] : [10, undefined];
const load = (file: string) => parseLabelled(readFileSync(file, 'utf8'), file);

function firstOfEach<T extends { label: string }>(rows: T[], perCategory: number | undefined): T[] {
  if (perCategory === undefined) return rows;
  const taken = new Map<string, number>();
  return rows.filter((row) => {
    const n = taken.get(row.label) ?? 0;
    taken.set(row.label, n + 1);
    return n < perCategory;
  });
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function report(name: string, size: string, model: CategoryModel, result: Evaluation, fitMs: number) {
  const languages = Object.entries(result.perLanguage)
    .map(([language, { accuracy }]) => `${language} ${(100 * accuracy).toFixed(0)}`)
    .join(' ');
  console.log(
    [
      name.padEnd(20),
      size.padEnd(14),
      `${model.labels.length} categories`.padEnd(15),
      `accuracy ${pct(result.accuracy)}`.padEnd(17),
      `macro-F1 ${result.macroF1.toFixed(3)}`,
      `ECE ${result.calibrationError.toFixed(3)}`,
      `fit ${seconds(fitMs)}`.padEnd(10),
      languages && `| ${languages}`,
    ].join('  '),
  );
  if (!values.details) return;
  console.table(
    Object.fromEntries(
      Object.entries(result.perLabel).map(([label, m]) => [
        label,
        { precision: m.precision.toFixed(2), recall: m.recall.toFixed(2), f1: m.f1.toFixed(2), support: m.support },
      ]),
    ),
  );
}

const embedder = createEmbedder();
try {
  const latencies: number[] = [];
  let embedded = 0;
  let embeddingMs = 0;
  for (const set of sets) {
    const train = load(set.train);
    const test = load(set.test);
    let started = performance.now();
    const trainVectors = await embedder.embed(train.map((row) => row.text));
    embeddingMs += performance.now() - started;
    embedded += train.length;
    const allExamples = train.map((row, i) => ({ dense: trainVectors[i]!, sparse: textFeatures(row.text), label: row.label }));
    // One message at a time, as triage embeds them: the latency is this embedding plus a prediction.
    const testFeatures: Features[] = [];
    const testLatencies: number[] = [];
    for (const row of test) {
      started = performance.now();
      const [vector] = await embedder.embed([row.text]);
      testFeatures.push({ dense: vector!, sparse: textFeatures(row.text) });
      testLatencies.push(performance.now() - started);
    }
    for (const perCategory of sizes) {
      const examples = firstOfEach(allExamples, perCategory);
      started = performance.now();
      const model = trainCategoryModel(examples);
      const fitMs = performance.now() - started;
      const scored: Scored[] = test.map((row, i) => {
        started = performance.now();
        const [best] = predict(model, testFeatures[i]!);
        if (perCategory === undefined) latencies.push(testLatencies[i]! + performance.now() - started);
        return { label: row.label, predicted: best!.label, confidence: best!.probability, language: row.language };
      });
      const size = perCategory === undefined ? `all (${examples.length})` : `${perCategory}/cat (${examples.length})`;
      report(set.name, size, model, evaluate(scored), fitMs);
    }
  }
  latencies.sort((x, y) => x - y);
  console.log(`embedding the training texts: ${embedded} in ${seconds(embeddingMs)} (${Math.round(embedded / (embeddingMs / 1000))} a second, batched)`);
  if (latencies.length > 0) {
    console.log(`latency per message (embedding + model): p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms`);
  }
} finally {
  await embedder.close();
}
