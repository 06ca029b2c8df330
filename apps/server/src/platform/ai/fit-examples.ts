/**
 * Embedding a set of examples and fitting their category model: the one way a model is trained,
 * whether an account's (modules/ai/training.ts, which keeps the vectors between trainings) or the
 * default taxonomy's at build time (modules/ai/default-model.ts).
 */
import { EMBEDDING_DIMENSIONS, type Embedder } from './embeddings.js';
import { fitCategoryModel, type FittedModel } from './model-fitting.js';
import { hashKey, textHash } from './text-hash.js';

export interface Example {
  category: string;
  text: string;
  /** Corrections weigh more than seeded examples. */
  weight: number;
}

/** A text's vector as stored: by the text's hash (text-hash.ts), Float32 little-endian. */
export interface StoredVector {
  textHash: Uint8Array;
  embedding: Uint8Array;
}

const EMBED_SLICE = 64;
/**
 * From this many texts to embed, they go to the bulk lane (a thread of its own at a lower
 * priority): a minute of CPU that must not slow the API. Fewer (a new account's taxonomy, a few
 * hundred examples) take seconds and would wait long for a niced thread's CPU.
 */
const BULK_EMBEDDING_FROM = 2_000;

export interface EmbedAndFitOptions {
  embedder: Embedder;
  /** Aborting it ends the embedding before its next slice, or the fit at once: the call rejects. */
  signal: AbortSignal;
  /** Hands `use` the vectors kept from earlier trainings for some of these text hashes. */
  storedVectors?: (hashes: Buffer[], use: (vector: StoredVector) => void) => Promise<void>;
  /** Each slice of texts embedded now (to keep them), with the share of the texts to embed done. */
  onEmbedded?: (fresh: StoredVector[], done: number) => Promise<void>;
  /** The fit's share done, from its thread. */
  onFitProgress?: (done: number) => void;
  /** The model to start from (as stored), when there is one. */
  warmStart?: string | undefined;
}

export interface TrainedModel extends FittedModel {
  /** Texts embedded now (the others' vectors were stored). */
  embedded: number;
  fitSeconds: number;
}

interface TextRows {
  text: string;
  hash: Buffer;
  rows: number[];
}

export async function embedAndFit(examples: readonly Example[], options: EmbedAndFitOptions): Promise<TrainedModel> {
  const { embedder, signal } = options;
  const size = EMBEDDING_DIMENSIONS;
  // Filled as the vectors arrive: copying 10,000 of them at the end held up the event loop (and,
  // on PGlite, every account's queries) for about 100 ms.
  const dense = new Float32Array(examples.length * size);
  // Each text's examples: several (in several categories) may share a text and its vector.
  const byText = new Map<string, TextRows>();
  examples.forEach(({ text }, row) => {
    const hash = textHash(text);
    const key = hashKey(hash);
    const entry = byText.get(key);
    if (entry) entry.rows.push(row);
    else byText.set(key, { text, hash, rows: [row] });
  });
  const place = ({ textHash: hash, embedding }: StoredVector) => {
    // Of another length, a stored vector is not this encoder's (another build of it stored it): the text is embedded again.
    if (embedding.byteLength !== size * 4) return undefined;
    const entry = byText.get(hashKey(hash));
    for (const row of entry?.rows ?? []) new Uint8Array(dense.buffer, row * size * 4, size * 4).set(embedding);
    return entry;
  };

  const found = new Set<TextRows | undefined>();
  await options.storedVectors?.(
    [...byText.values()].map((entry) => entry.hash),
    (vector) => found.add(place(vector)),
  );
  const missing = [...byText.values()].filter((entry) => !found.has(entry));
  const lane = missing.length >= BULK_EMBEDDING_FROM ? 'bulk' : 'interactive';
  for (let i = 0; i < missing.length; i += EMBED_SLICE) {
    signal.throwIfAborted();
    const slice = missing.slice(i, i + EMBED_SLICE);
    const vectors = await embedder.embed(
      slice.map((entry) => entry.text),
      lane,
    );
    const fresh = vectors.map((vector, j) => ({ textHash: slice[j]!.hash, embedding: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength) }));
    for (const vector of fresh) place(vector);
    await options.onEmbedded?.(fresh, Math.min(i + EMBED_SLICE, missing.length) / missing.length);
  }

  const started = performance.now();
  const fitted = await fitCategoryModel(
    {
      texts: examples.map((example) => example.text),
      labels: examples.map((example) => example.category),
      weights: examples.map((example) => example.weight),
      dense,
      denseSize: size,
      warmStart: options.warmStart,
    },
    { signal, onProgress: options.onFitProgress },
  );
  return { ...fitted, embedded: missing.length, fitSeconds: (performance.now() - started) / 1000 };
}
