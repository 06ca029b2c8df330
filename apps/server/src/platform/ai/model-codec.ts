/**
 * A trained category model to and from text, for its row in ai_models.
 *
 * The n-gram weights are mostly zeros (a hashed n-gram no example contains never moves), so each
 * label's sparse weights are stored as the indexes and values of the non-zero ones: a 77-category
 * model of 10,000 examples shrinks several times over, and so does the write that stores it (on
 * PGlite every other account's request waits for that write). Models stored whole, before this
 * encoding, still decode.
 */
import type { CategoryModel } from './softmax-classifier.js';
import { HASH_DIMENSIONS } from './text-features.js';

// Indexes are stored as Uint16.
if (HASH_DIMENSIONS > 65_536) throw new Error('model-codec stores n-gram indexes as Uint16');

const toBase64 = (array: Float32Array | Uint16Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
const bytesOf = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};
const floats = (text: string) => new Float32Array(bytesOf(text));

interface Encoded {
  labels: string[];
  denseSize: number;
  temperature: number;
  dense: string[];
  /** Whole n-gram weight vectors (models stored before the sparse encoding). */
  sparse?: string[];
  /** Per label: the indexes (Uint16) and values (Float32) of its non-zero n-gram weights. */
  nonZero?: { index: string; value: string }[];
  bias: string;
}

function nonZeroOf(weights: Float32Array) {
  let count = 0;
  for (const weight of weights) if (weight !== 0) count += 1;
  const index = new Uint16Array(count);
  const value = new Float32Array(count);
  let n = 0;
  weights.forEach((weight, i) => {
    if (weight === 0) return;
    index[n] = i;
    value[n++] = weight;
  });
  return { index: toBase64(index), value: toBase64(value) };
}

function fromNonZero(encoded: { index: string; value: string }) {
  const weights = new Float32Array(HASH_DIMENSIONS);
  const index = new Uint16Array(bytesOf(encoded.index));
  const value = floats(encoded.value);
  index.forEach((i, n) => (weights[i] = value[n]!));
  return weights;
}

export function encodeModel(model: CategoryModel): string {
  const encoded: Encoded = {
    labels: model.labels,
    denseSize: model.denseSize,
    temperature: model.temperature,
    dense: model.dense.map(toBase64),
    nonZero: model.sparse.map(nonZeroOf),
    bias: toBase64(model.bias),
  };
  return JSON.stringify(encoded);
}

export function decodeModel(text: string): CategoryModel {
  const raw = JSON.parse(text) as Encoded;
  return {
    labels: raw.labels,
    denseSize: raw.denseSize,
    temperature: raw.temperature,
    dense: raw.dense.map(floats),
    sparse: raw.nonZero ? raw.nonZero.map(fromNonZero) : (raw.sparse ?? []).map(floats),
    bias: floats(raw.bias),
  };
}
