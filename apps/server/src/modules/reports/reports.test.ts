/**
 * Reports: the aggregates count the account's own conversations, replies, classifications,
 * corrections and drafts, and nothing of another account.
 */
import { and, eq } from 'drizzle-orm';
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
    expect(answer.body.resolution).toEqual({ resolved: 0, medianSeconds: null, p90Seconds: null });
    expect(answer.body.responseTimes).toEqual([
      { day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), firstResponseMedianSeconds: answer.body.firstResponse.medianSeconds, resolutionMedianSeconds: null },
    ]);
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
      resolution: { resolved: 0, medianSeconds: null, p90Seconds: null },
      responseTimes: [],
      classificationAccuracy: [],
      draftOutcomes: [],
    });
  });

  it('times resolutions from opening to resolving, for the conversations resolved in the period', async () => {
    const timed = await registerAccount(t.app, 'Timed');
    // 10:00 UTC some days ago: the resolutions below end the same day in any time zone within ±10 h.
    const daysAgo = (days: number) => {
      const at = new Date();
      at.setUTCHours(10, 0, 0, 0);
      return new Date(at.getTime() - days * 86_400_000);
    };
    const dayOf = (at: Date) => at.toISOString().slice(0, 10);
    const later = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);
    const fixtures = [
      { createdAt: daysAgo(3), firstReply: 60, resolvedAfter: 3_600 },
      { createdAt: daysAgo(3), firstReply: 180, resolvedAfter: 10_800 },
      { createdAt: daysAgo(1), firstReply: 600, resolvedAfter: 7_200 },
      // Opened before the last 7 days, resolved in them (9 days later).
      { createdAt: daysAgo(10), firstReply: null, resolvedAfter: 9 * 86_400 },
      // Resolved before the last 7 days (11 days after opening).
      { createdAt: daysAgo(20), firstReply: null, resolvedAfter: 11 * 86_400 },
      { createdAt: daysAgo(2), firstReply: null, resolvedAfter: null },
    ];
    const ids: number[] = [];
    for (let i = 0; i < fixtures.length; i++) {
      const opened = await call(t.app, timed, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'Timed question' } } });
      ids.push(opened.body.conversation.id);
    }
    // As the clock would have set them, some days ago.
    await withTenant(t.database.db, { accountId: timed.accountId }, async (tx) => {
      for (const [i, fixture] of fixtures.entries()) {
        await tx
          .update(schema.conversations)
          .set({
            createdAt: fixture.createdAt,
            firstReplyAt: fixture.firstReply === null ? null : later(fixture.createdAt, fixture.firstReply),
            status: fixture.resolvedAfter === null ? 'open' : 'resolved',
            resolvedAt: fixture.resolvedAfter === null ? null : later(fixture.createdAt, fixture.resolvedAfter),
          })
          .where(and(eq(schema.conversations.accountId, timed.accountId), eq(schema.conversations.id, ids[i]!)));
      }
    });
    // Resolved and then reopened by the customer: no longer resolved, so not counted.
    const reopened = ids[5]!;
    await call(t.app, timed, { method: 'PATCH', url: `/api/conversations/${reopened}`, payload: { status: 'resolved' } });
    await call(t.app, timed, { method: 'POST', url: `/api/conversations/${reopened}/messages`, payload: { content: 'Back again', messageType: 'incoming' } });

    const week = await summary(timed, '?days=7');
    expect(week.status).toBe(200);
    expect(week.body.firstResponse).toEqual({ answered: 3, medianSeconds: 180, p90Seconds: 516 });
    // Resolution times 3,600 / 7,200 / 10,800 / 777,600 s: median halfway between the middle two,
    // 90th percentile interpolated as Postgres' percentile_cont does.
    expect(week.body.resolution).toEqual({ resolved: 4, medianSeconds: 9_000, p90Seconds: 547_560 });
    expect(week.body.responseTimes).toEqual([
      { day: dayOf(daysAgo(3)), firstResponseMedianSeconds: 120, resolutionMedianSeconds: 7_200 },
      { day: dayOf(daysAgo(1)), firstResponseMedianSeconds: 600, resolutionMedianSeconds: 392_400 },
    ]);

    const month = await summary(timed, '?days=30');
    expect(month.body.resolution).toEqual({ resolved: 5, medianSeconds: 10_800, p90Seconds: 881_280 });
    expect(month.body.responseTimes).toEqual([
      { day: dayOf(daysAgo(9)), firstResponseMedianSeconds: null, resolutionMedianSeconds: 950_400 },
      ...week.body.responseTimes,
    ]);
    // Another account's resolutions count for nobody else.
    expect((await summary(b, '?days=30')).body.resolution).toEqual({ resolved: 0, medianSeconds: null, p90Seconds: null });
  });

  it('refuses a period it cannot report on', async () => {
    for (const query of ['?days=0', '?days=366', '?days=abc', '?days=7&extra=1']) expectError(await summary(a, query), 400, 'validation_error', query);
    expectError(await call(t.app, undefined, { method: 'GET', url: '/api/reports/summary' }), 401);
  });
});
