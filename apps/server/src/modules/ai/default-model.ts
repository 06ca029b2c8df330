/**
 * The model of the default taxonomy, trained once at build time (cli/build-ai-data.ts, into
 * dist) rather than by every new account: it is the same model for every account that has not
 * changed its taxonomy, so a new account classifies its first message at once instead of after
 * a training that, on a fresh start, competes with everything else the server begins.
 *
 * It is trained as an account's training would train it (the examples in their stored order,
 * each of weight one, no model to start from), by the same code (platform/ai/fit-examples.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Tx } from '../../db/client.js';
import { aiModels } from '../../db/schema.js';
import type { Embedder } from '../../platform/ai/embeddings.js';
import { embedAndFit } from '../../platform/ai/fit-examples.js';
import { decodeModel } from '../../platform/ai/model-codec.js';
import type { CategoryModel } from '../../platform/ai/softmax-classifier.js';

type Taxonomy = readonly { name: string; examples: readonly string[] }[];

export interface DefaultModel {
  /** Of the taxonomy it was trained from: a model of another taxonomy is never used. */
  taxonomy: string;
  exampleCount: number;
  /** Encoded for its row in ai_models (model-codec). */
  weights: string;
}

/** Written by the build, beside the compiled code that trained it; found from src/ and dist/ alike. */
export const DEFAULT_MODEL_FILE = new URL('../../../dist/platform/ai/default-model.json', import.meta.url);

/** Identifies a taxonomy by its categories and examples, in order. */
export function taxonomyFingerprint(categories: Taxonomy): string {
  const content = JSON.stringify(categories.map((category) => [category.name, category.examples]));
  return createHash('sha256').update(content).digest('hex');
}

export async function trainDefaultModel(embedder: Embedder, taxonomy: Taxonomy): Promise<DefaultModel> {
  const examples = taxonomy.flatMap((category) => category.examples.map((text) => ({ category: category.name, text, weight: 1 })));
  const fitted = await embedAndFit(examples, { embedder, signal: new AbortController().signal });
  return { taxonomy: taxonomyFingerprint(taxonomy), exampleCount: examples.length, weights: fitted.model };
}

let built: DefaultModel | null | undefined;

function readBuilt(): DefaultModel | null {
  if (built === undefined) {
    try {
      built = JSON.parse(readFileSync(DEFAULT_MODEL_FILE, 'utf8')) as DefaultModel;
    } catch {
      built = null;
    }
  }
  return built;
}

/** The model the build wrote, if it was trained from `taxonomy`; null otherwise (or when there is none). */
export function builtModelOf(taxonomy: Taxonomy): DefaultModel | null {
  const model = readBuilt();
  return model?.taxonomy === taxonomyFingerprint(taxonomy) ? model : null;
}

let decodedBuilt: CategoryModel | undefined;

/**
 * A stored model, decoded: the built one once for all the accounts that have it (most keep the
 * default taxonomy, and each decoded model holds its n-gram weights whole, about half a megabyte).
 */
export function decodeStoredModel(weights: string): CategoryModel {
  if (weights !== readBuilt()?.weights) return decodeModel(weights);
  return (decodedBuilt ??= decodeModel(weights));
}

/** Gives a new account of `taxonomy` the built model, ready; false when there is none of that taxonomy. */
export async function storeBuiltModel(tx: Tx, accountId: number, taxonomy: Taxonomy): Promise<boolean> {
  const model = builtModelOf(taxonomy);
  if (!model) return false;
  await tx.insert(aiModels).values({
    accountId,
    status: 'ready',
    progress: 100,
    weights: model.weights,
    exampleCount: model.exampleCount,
    version: 1,
    trainedAt: new Date(),
  });
  return true;
}
