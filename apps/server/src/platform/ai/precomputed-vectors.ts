/**
 * Vectors computed once (at build time) for texts every installation embeds alike, such as the
 * demo's articles: an embedding model that answers those texts from the table and embeds only the
 * others, so a fresh start does not spend its first seconds of CPU embedding them again. A text is
 * found by its content's hash, and the table by the model's id: vectors of one model never stand
 * in for another's, and a text that changed is simply embedded.
 */
import { readFileSync } from 'node:fs';
import type { EmbeddingModel } from './embedding-models.js';
import { textKey } from './text-hash.js';

export interface PrecomputedVectors {
  model: string;
  /** Text key (text-hash.ts) → the vector's Float32 values, base64. */
  vectors: Record<string, string>;
}

export async function precomputeVectors(model: EmbeddingModel, texts: string[]): Promise<PrecomputedVectors> {
  const vectors = await model.embed(texts);
  return {
    model: model.id,
    vectors: Object.fromEntries(texts.map((text, i) => [textKey(text), Buffer.from(Float32Array.from(vectors[i]!).buffer).toString('base64')])),
  };
}

/** The vectors of `file` made by `modelId`; none when the file is missing or of another model. */
export function readPrecomputedVectors(file: URL, modelId: string): Map<string, number[]> {
  try {
    const table = JSON.parse(readFileSync(file, 'utf8')) as PrecomputedVectors;
    if (table.model !== modelId) return new Map();
    return new Map(
      Object.entries(table.vectors).map(([key, base64]) => [key, Array.from(new Float32Array(new Uint8Array(Buffer.from(base64, 'base64')).buffer))]),
    );
  } catch {
    return new Map();
  }
}

export function withPrecomputedVectors(model: EmbeddingModel, known: ReadonlyMap<string, number[]>): EmbeddingModel {
  if (known.size === 0) return model;
  return {
    id: model.id,
    dimensions: model.dimensions,
    async embed(texts, lane) {
      // A vector of another length (a table of another build of the model) is embedded again.
      const found = texts.map((text) => {
        const vector = known.get(textKey(text));
        return vector?.length === model.dimensions ? vector : undefined;
      });
      const missing = texts.filter((_, i) => !found[i]);
      const embedded = missing.length > 0 ? await model.embed(missing, lane) : [];
      let next = 0;
      return found.map((vector) => vector ?? embedded[next++]!);
    },
  };
}
