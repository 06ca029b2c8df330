/** A trained category model to and from text, for its row in ai_models. */
import type { CategoryModel } from './softmax-classifier.js';

const toBase64 = (array: Float32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
const fromBase64 = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

export function encodeModel(model: CategoryModel): string {
  return JSON.stringify({
    labels: model.labels,
    denseSize: model.denseSize,
    temperature: model.temperature,
    dense: model.dense.map(toBase64),
    sparse: model.sparse.map(toBase64),
    bias: toBase64(model.bias),
  });
}

export function decodeModel(text: string): CategoryModel {
  const raw = JSON.parse(text) as { labels: string[]; denseSize: number; temperature: number; dense: string[]; sparse: string[]; bias: string };
  return {
    labels: raw.labels,
    denseSize: raw.denseSize,
    temperature: raw.temperature,
    dense: raw.dense.map(fromBase64),
    sparse: raw.sparse.map(fromBase64),
    bias: fromBase64(raw.bias),
  };
}
