/**
 * Embedding models for the knowledge base: the local USE-lite encoder (always there, no network)
 * and, when configured, OpenAI embeddings or an OpenAI-compatible server. A model's `id` names
 * its vectors in the database, so vectors of two models are never compared.
 */
import OpenAI from 'openai';
import { EMBEDDING_DIMENSIONS, type Embedder, type EmbeddingLane } from './embeddings.js';

export interface EmbeddingModel {
  /** Stored with each vector and inlined in index predicates: lower-case letters, digits, `._-`. */
  readonly id: string;
  readonly dimensions: number;
  /** `lane` tells the local encoder who waits (a hosted model serves every lane alike). */
  embed(texts: string[], lane?: EmbeddingLane): Promise<number[][]>;
}

export const LOCAL_EMBEDDING_MODEL_ID = 'local-use-lite-512';

/** Texts an OpenAI request carries at most (the API takes 2,048 inputs). */
const REMOTE_BATCH = 256;
/** About 8,000 tokens, the limit of OpenAI's embedding models. */
const REMOTE_MAX_CHARS = 24_000;

export function localEmbeddingModel(embedder: Embedder): EmbeddingModel {
  return {
    id: LOCAL_EMBEDDING_MODEL_ID,
    dimensions: EMBEDDING_DIMENSIONS,
    embed: async (texts, lane) => (await embedder.embed(texts, lane)).map((vector) => Array.from(vector)),
  };
}

export function openAiEmbeddingModel(options: {
  apiKey: string;
  model: string;
  dimensions: number;
  baseURL?: string | undefined;
  timeoutMs: number;
}): EmbeddingModel {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: 2 });
  return {
    id: embeddingModelId(`openai-${options.model}-${options.dimensions}`),
    dimensions: options.dimensions,
    async embed(texts) {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += REMOTE_BATCH) {
        const input = texts.slice(start, start + REMOTE_BATCH).map((text) => text.slice(0, REMOTE_MAX_CHARS).trim() || ' ');
        const response = await client.embeddings.create({ model: options.model, input, dimensions: options.dimensions, encoding_format: 'float' });
        const batch = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
        if (batch.length !== input.length || batch.some((vector) => vector.length !== options.dimensions)) {
          throw new Error(
            `the embedding server answered ${batch.length} vectors of ${batch[0]?.length ?? 0} dimensions for ${input.length} texts of ${options.dimensions}`,
          );
        }
        vectors.push(...batch);
      }
      return vectors;
    },
  };
}

/** A model name made safe to store and to inline in SQL. */
export function embeddingModelId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .slice(0, 60);
}
