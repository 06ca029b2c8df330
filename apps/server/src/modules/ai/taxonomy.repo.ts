/** The account's taxonomy, examples and model rows. */
import { and, asc, eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import type { Tx } from '../../db/client.js';
import { aiCategories, aiExamples } from '../../db/schema.js';
import { requestTraining } from './training.js';

export interface CategoryInput {
  name: string;
  description?: string | undefined;
  teamId?: number | null | undefined;
  examples?: string[] | undefined;
}

/** The taxonomy a new account starts with: support's usual categories, ten examples each. */
export const DEFAULT_TAXONOMY = JSON.parse(
  readFileSync(new URL('../../../src/platform/ai/data/default-taxonomy.json', import.meta.url), 'utf8'),
) as Required<Pick<CategoryInput, 'name' | 'description' | 'examples'>>[];

export async function replaceCategories(tx: Tx, accountId: number, categories: CategoryInput[]) {
  await tx.delete(aiCategories).where(eq(aiCategories.accountId, accountId));
  await tx.delete(aiExamples).where(and(eq(aiExamples.accountId, accountId), eq(aiExamples.source, 'taxonomy')));
  if (categories.length === 0) return;
  await tx.insert(aiCategories).values(
    categories.map((category, position) => ({
      accountId,
      name: category.name,
      description: category.description ?? '',
      teamId: category.teamId ?? null,
      position,
    })),
  );
  const examples = categories.flatMap((category) => (category.examples ?? []).map((text) => ({ accountId, category: category.name, text })));
  // Large taxonomies arrive in one PUT: insert in slices the driver's parameter limit allows.
  for (let i = 0; i < examples.length; i += 5_000) await tx.insert(aiExamples).values(examples.slice(i, i + 5_000));
}

export async function loadCategories(tx: Tx, accountId: number) {
  const categories = await tx
    .select({ name: aiCategories.name, description: aiCategories.description, teamId: aiCategories.teamId })
    .from(aiCategories)
    .where(eq(aiCategories.accountId, accountId))
    .orderBy(asc(aiCategories.position));
  const examples = await tx
    .select({ category: aiExamples.category, text: aiExamples.text })
    .from(aiExamples)
    .where(and(eq(aiExamples.accountId, accountId), eq(aiExamples.source, 'taxonomy')))
    .orderBy(asc(aiExamples.id));
  return categories.map((category) => ({ ...category, examples: examples.filter((e) => e.category === category.name).map((e) => e.text) }));
}

/** A new account: the default taxonomy (optionally routed to its teams), and its model trained. */
export async function seedDefaultTaxonomy(tx: Tx, accountId: number, teamIds: Record<string, number> = {}) {
  await replaceCategories(tx, accountId, DEFAULT_TAXONOMY.map((category) => ({ ...category, teamId: teamIds[category.name] ?? null })));
  await requestTraining(tx, accountId);
}
