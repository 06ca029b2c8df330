/**
 * Reports: the aggregates count the account's own conversations, replies, classifications,
 * corrections and drafts, and nothing of another account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../db/schema.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';

describe.each(await databaseKinds())('reports on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    a = await registerAccount(t.app, 'Reported');
    b = await registerAccount(t.app, 'Other');
    const opened: { conversation: { id: number }; message: { id: number } }[] = [];
    for (const content of ['charged twice', 'where is my parcel', 'app crashes']) {
      const answer = await call(t.app, a, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'Customer' }, message: { content } } });
      opened.push(answer.body);
    }
    await call(t.app, a, { method: 'POST', url: `/api/conversations/${opened[0]!.conversation.id}/messages`, payload: { content: 'Refunded!' } });
    await call(t.app, a, { method: 'PATCH', url: `/api/conversations/${opened[1]!.conversation.id}`, payload: { priority: 'urgent' } });
    // What the AI jobs would have written: two classifications (one corrected) and two drafts.
    await withTenant(t.database.db, { accountId: a.accountId }, async (tx) => {
      for (const [i, corrected] of [false, true].entries()) {
        await tx.insert(schema.messageClassifications).values({
          accountId: a.accountId,
          conversationId: opened[i]!.conversation.id,
          messageId: opened[i]!.message.id,
          category: 'billing',
          priority: 'high',
          sentiment: 'negative',
          language: 'en',
          confidence: 0.9,
          reasoning: 'fixture',
          provider: 'local',
          processingMs: 5,
          ...(corrected ? { correctedAt: new Date(), correctedBy: a.userId } : {}),
        });
      }
      for (const outcome of ['accepted', 'discarded'] as const) {
        await tx.insert(schema.aiDrafts).values({
          accountId: a.accountId,
          conversationId: opened[0]!.conversation.id,
          messageId: opened[0]!.message.id,
          content: 'Draft',
          confidence: 0.5,
          reasoning: 'fixture',
          sources: [],
          provider: 'local',
          generationMs: 10,
          outcome,
        });
      }
    });
  }, 120_000);
  afterAll(async () => t?.close());

  const summary = (session: Session, query = '') => call(t.app, session, { method: 'GET', url: `/api/reports/summary${query}` });
  const total = (series: { count: number }[]) => series.reduce((sum, row) => sum + row.count, 0);

  it("counts the account's conversations, replies, corrections and draft outcomes", async () => {
    const answer = await summary(a, '?days=7');
    expect(answer.status).toBe(200);
    expect(answer.body.days).toBe(7);
    expect(total(answer.body.volumeByCategory)).toBe(3);
    expect(answer.body.volumeByPriority.find((row: { key: string }) => row.key === 'urgent')?.count).toBe(1);
    expect(answer.body.firstResponse.answered).toBe(1);
    expect(answer.body.firstResponse.medianSeconds).toBeGreaterThanOrEqual(0);
    expect(answer.body.classificationAccuracy).toEqual([expect.objectContaining({ classified: 2, corrected: 1, accuracy: 0.5 })]);
    expect(answer.body.draftOutcomes.map((row: { key: string; count: number }) => [row.key, row.count]).sort()).toEqual([
      ['accepted', 1],
      ['discarded', 1],
    ]);
  });

  it('shows another account none of it', async () => {
    const answer = await summary(b);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      days: 30,
      volumeByCategory: [],
      volumeByPriority: [],
      firstResponse: { answered: 0, medianSeconds: null, p90Seconds: null },
      classificationAccuracy: [],
      draftOutcomes: [],
    });
  });

  it('refuses a period it cannot report on', async () => {
    for (const query of ['?days=0', '?days=366', '?days=abc', '?days=7&extra=1']) expectError(await summary(a, query), 400, 'validation_error', query);
    expectError(await call(t.app, undefined, { method: 'GET', url: '/api/reports/summary' }), 401);
  });
});
