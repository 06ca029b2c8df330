/** The account's taxonomy, examples and model rows. */
import { and, asc, eq, sql } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { queryRows, type Tx } from '../../db/client.js';
import { aiCategories, aiExamples } from '../../db/schema.js';
import { storeBuiltModel } from './default-model.js';
import { requestTraining } from './training.js';

export interface CategoryInput {
  name: string;
  description?: string | undefined;
  teamId?: number | null | undefined;
  examples?: string[] | undefined;
}

/** The taxonomy a new account starts with: support's usual categories, ten examples each. */
export const DEFAULT_TAXONOMY = JSON.parse(readFileSync(new URL('../../../src/platform/ai/data/default-taxonomy.json', import.meta.url), 'utf8')) as Required<
  Pick<CategoryInput, 'name' | 'description' | 'examples'>
>[];

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
  const names = categories.flatMap((category) => (category.examples ?? []).map(() => category.name));
  const texts = categories.flatMap((category) => category.examples ?? []);
  // A taxonomy of 50,000 examples in one statement with two array parameters: a multi-row VALUES
  // of that size costs the query builder and the parser about five times as long, and on PGlite
  // every other account's request waits for this transaction.
  await tx.execute(
    sql`insert into ${aiExamples} (account_id, category, text)
        select ${accountId}, example.category, example.text from unnest(${sql.param(names)}::text[], ${sql.param(texts)}::text[]) as example(category, text)`,
  );
}

/**
 * The account's categories with their taxonomy examples: all of them, or the first few of each
 * (a hosted model's prompt needs only a handful, and a taxonomy may hold 50,000).
 */
export async function loadCategories(tx: Tx, accountId: number, examplesPerCategory?: number) {
  const categories = await tx
    .select({ name: aiCategories.name, description: aiCategories.description, teamId: aiCategories.teamId })
    .from(aiCategories)
    .where(eq(aiCategories.accountId, accountId))
    .orderBy(asc(aiCategories.position));
  const examples =
    examplesPerCategory === undefined
      ? await tx
          .select({ category: aiExamples.category, text: aiExamples.text })
          .from(aiExamples)
          .where(and(eq(aiExamples.accountId, accountId), eq(aiExamples.source, 'taxonomy')))
          .orderBy(asc(aiExamples.id))
      : await queryRows<{ category: string; text: string }>(
          tx,
          sql`select category, text from (
                select category, text, id, row_number() over (partition by category order by id) as n
                from ${aiExamples} where account_id = ${accountId} and source = 'taxonomy') ranked
              where n <= ${examplesPerCategory} order by id`,
        );
  const byCategory = new Map<string, string[]>();
  for (const example of examples) {
    const texts = byCategory.get(example.category);
    if (texts) texts.push(example.text);
    else byCategory.set(example.category, [example.text]);
  }
  return categories.map((category) => ({ ...category, examples: byCategory.get(category.name) ?? [] }));
}

/**
 * A new account: the default taxonomy (optionally routed to its teams), and its model: the one the
 * build trained from that taxonomy, so its first message need not wait for a training; trained
 * now when the build wrote none.
 */
export async function seedDefaultTaxonomy(tx: Tx, accountId: number, teamIds: Record<string, number> = {}) {
  await replaceCategories(
    tx,
    accountId,
    DEFAULT_TAXONOMY.map((category) => ({ ...category, teamId: teamIds[category.name] ?? null })),
  );
  if (!(await storeBuiltModel(tx, accountId, DEFAULT_TAXONOMY))) await requestTraining(tx, accountId);
}
