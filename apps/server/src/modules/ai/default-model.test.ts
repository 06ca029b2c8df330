/**
 * New accounts (a registered one, the demo account on a new database) start with the model the
 * build trained from the default taxonomy: their first message is classified with no training
 * at all. An account that changes its taxonomy trains its own model, as before.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiModels, jobs } from '../../db/schema.js';
import { decodeModel } from '../../platform/ai/model-codec.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { seedDemoAccount } from '../demo/seed.js';
import { builtModelOf, decodeStoredModel } from './default-model.js';
import { DEFAULT_TAXONOMY } from './taxonomy.repo.js';

describe.each(await databaseKinds())('the built default model on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const modelRow = (accountId: number) =>
    withTenant(t.database.db, { accountId }, async (tx) => (await tx.select().from(aiModels).where(eq(aiModels.accountId, accountId)))[0]!);
  const trainingJobs = (accountId: number) =>
    withTenant(t.database.db, { accountId }, (tx) =>
      tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.accountId, accountId), eq(jobs.queue, 'ai-train'))),
    );
  const classificationOf = (session: Session, conversationId: number) =>
    eventually(`the classification of conversation ${conversationId}`, async () => {
      const answer = await call(t.app, session, { method: 'GET', url: `/api/conversations/${conversationId}/classification` });
      return answer.status === 200 ? answer.body.classification : undefined;
    });

  it('is built from the default taxonomy', () => {
    const built = builtModelOf(DEFAULT_TAXONOMY);
    expect(built, 'the build writes dist/platform/ai/default-model.json').not.toBeNull();
    expect(decodeModel(built!.weights).labels.sort()).toEqual(DEFAULT_TAXONOMY.map((category) => category.name).sort());
    expect(builtModelOf([{ name: 'orders', examples: ['Where is my order?'] }, ...DEFAULT_TAXONOMY])).toBeNull();
    // Decoded once for all the accounts that have it.
    expect(decodeStoredModel(built!.weights)).toBe(decodeStoredModel(built!.weights));
  });

  it("classifies a new account's first message with it, with no training", async () => {
    const a = await registerAccount(t.app, 'First Message');
    const model = await modelRow(a.accountId);
    expect(model).toMatchObject({ status: 'ready', progress: 100, version: 1, weights: builtModelOf(DEFAULT_TAXONOMY)!.weights });

    const opened = await call(t.app, a, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Carla Customer' }, message: { content: 'I was charged twice for order #12345' } },
    });
    expect(opened.status).toBe(201);
    const classification = await classificationOf(a, opened.body.conversation.id);
    expect(classification).toMatchObject({ category: 'billing', provider: 'local' });
    expect(await trainingJobs(a.accountId)).toEqual([]);
    expect((await modelRow(a.accountId)).version).toBe(1);
  }, 120_000);

  it('gives the demo account on a new database the same model', async () => {
    const demoAccountId = (await seedDemoAccount(t.database.db))!;
    expect(await modelRow(demoAccountId)).toMatchObject({ status: 'ready', version: 1, weights: builtModelOf(DEFAULT_TAXONOMY)!.weights });
    expect(await trainingJobs(demoAccountId)).toEqual([]);
  });

  it('trains the own model of an account that changed its taxonomy', async () => {
    const b = await registerAccount(t.app, 'Own Taxonomy');
    const categories = [
      { name: 'orders', examples: ['Where is my order?', 'My parcel has not arrived', 'Tracking shows no movement'] },
      { name: 'returns', examples: ['I want to send this back', 'How do I return an item?', 'Return label please'] },
    ];
    const put = await call(t.app, b, { method: 'PUT', url: '/api/ai/taxonomy', payload: { categories } });
    expect(put.status).toBe(200);
    expect(put.body.training.status).toBe('training');
    const trained = await eventually('the own model', async () => {
      const row = await modelRow(b.accountId);
      return row.status === 'ready' ? row : undefined;
    });
    expect(trained.version).toBe(2);
    expect(decodeModel(trained.weights!).labels.sort()).toEqual(['orders', 'returns']);
    expect(await trainingJobs(b.accountId)).toHaveLength(1);
  }, 120_000);
});
