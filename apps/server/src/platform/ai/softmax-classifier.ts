/**
 * The per-account category model: multinomial logistic regression over a text's sentence
 * embedding (dense) and hashed n-grams (sparse), trained by mini-batch gradient descent with
 * L2 regularisation. Its probabilities are calibrated by temperature scaling fitted on
 * cross-validated predictions, so a confidence of 0.9 is right about 90 % of the time.
 * Retraining starts from the previous weights (warm start), so a correction is learnt in a
 * few passes.
 */
import { HASH_DIMENSIONS, type SparseVector } from './text-features.js';

export interface Features {
  dense: Float32Array;
  sparse: SparseVector;
}

export interface TrainingExample extends Features {
  label: string;
  /** Corrections by agents count more than seeded examples. */
  weight?: number;
}

export interface CategoryModel {
  labels: string[];
  denseSize: number;
  /** Per label: dense weights, sparse weights (HASH_DIMENSIONS), bias. */
  dense: Float32Array[];
  sparse: Float32Array[];
  bias: Float32Array;
  temperature: number;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Folds for calibrating the temperature; 0 keeps T = 1. */
  calibrationFolds?: number;
  warmStart?: CategoryModel;
  seed?: number;
}

function logits(model: CategoryModel, x: Features): Float64Array {
  const out = new Float64Array(model.labels.length);
  for (let k = 0; k < model.labels.length; k++) {
    let z = model.bias[k]!;
    const w = model.dense[k]!;
    for (let i = 0; i < x.dense.length; i++) z += w[i]! * x.dense[i]!;
    const s = model.sparse[k]!;
    for (const [index, value] of x.sparse) z += s[index]! * value;
    out[k] = z;
  }
  return out;
}

function softmax(z: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v / temperature);
  let sum = 0;
  const out = new Float64Array(z.length);
  for (let k = 0; k < z.length; k++) sum += out[k] = Math.exp(z[k]! / temperature - max);
  for (let k = 0; k < z.length; k++) out[k]! /= sum;
  return out;
}

function emptyModel(labels: string[], denseSize: number): CategoryModel {
  return {
    labels,
    denseSize,
    dense: labels.map(() => new Float32Array(denseSize)),
    sparse: labels.map(() => new Float32Array(HASH_DIMENSIONS)),
    bias: new Float32Array(labels.length),
    temperature: 1,
  };
}

/** A small deterministic generator, so training (and its tests) repeat exactly. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => ((state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4_294_967_296;
}

function fit(examples: TrainingExample[], labels: string[], options: TrainOptions): CategoryModel {
  const denseSize = examples[0]?.dense.length ?? 0;
  const model = options.warmStart && sameLabels(options.warmStart.labels, labels) ? cloneModel(options.warmStart) : emptyModel(labels, denseSize);
  const epochs = options.epochs ?? 60;
  const rate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-4;
  const next = random(options.seed ?? 7);
  const labelIndex = new Map(labels.map((label, i) => [label, i]));
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const step = rate / (1 + epoch * 0.05);
    for (const index of order) {
      const example = examples[index]!;
      const p = softmax(logits(model, example));
      const target = labelIndex.get(example.label)!;
      const weight = example.weight ?? 1;
      for (let k = 0; k < labels.length; k++) {
        const gradient = (p[k]! - (k === target ? 1 : 0)) * weight * step;
        if (Math.abs(gradient) < 1e-7) continue;
        const w = model.dense[k]!;
        for (let d = 0; d < denseSize; d++) w[d] = w[d]! * (1 - step * l2) - gradient * example.dense[d]!;
        const s = model.sparse[k]!;
        for (const [feature, value] of example.sparse) s[feature] = s[feature]! - gradient * value;
        model.bias[k] = model.bias[k]! - gradient;
      }
    }
  }
  return model;
}

/** The temperature minimising the negative log-likelihood of cross-validated predictions. */
function calibrate(examples: TrainingExample[], labels: string[], options: TrainOptions): number {
  const folds = Math.min(options.calibrationFolds ?? 4, Math.floor(examples.length / labels.length));
  if (folds < 2) return 1;
  const held: { z: Float64Array; target: number }[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((_, i) => i % folds !== fold);
    const test = examples.filter((_, i) => i % folds === fold);
    const model = fit(train, labels, { ...options, warmStart: undefined, epochs: Math.ceil((options.epochs ?? 60) / 2) });
    for (const example of test) held.push({ z: logits(model, example), target: labels.indexOf(example.label) });
  }
  let best = { temperature: 1, loss: Infinity };
  for (let t = 0.05; t <= 5; t *= 1.15) {
    const loss = held.reduce((sum, { z, target }) => sum - Math.log(Math.max(softmax(z, t)[target]!, 1e-12)), 0);
    if (loss < best.loss) best = { temperature: t, loss };
  }
  return best.temperature;
}

export function trainCategoryModel(examples: TrainingExample[], options: TrainOptions = {}): CategoryModel {
  const labels = [...new Set(examples.map((example) => example.label))].sort();
  if (labels.length < 2) throw new Error('a category model needs examples of at least two categories');
  const model = fit(examples, labels, options);
  model.temperature = options.calibrationFolds === 0 ? 1 : calibrate(examples, labels, options);
  return model;
}

export function predict(model: CategoryModel, x: Features): { label: string; probability: number }[] {
  const p = softmax(logits(model, x), model.temperature);
  return model.labels.map((label, k) => ({ label, probability: p[k]! })).sort((a, b) => b.probability - a.probability);
}

function sameLabels(a: string[], b: string[]) {
  return a.length === b.length && a.every((label, i) => label === b[i]);
}

function cloneModel(model: CategoryModel): CategoryModel {
  return {
    ...model,
    labels: [...model.labels],
    dense: model.dense.map((w) => Float32Array.from(w)),
    sparse: model.sparse.map((w) => Float32Array.from(w)),
    bias: Float32Array.from(model.bias),
  };
}
