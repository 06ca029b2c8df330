/**
 * AI triage end to end with the local provider: a customer message is queued, classified by
 * the account's own model, stored, applied to the conversation and announced live.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, nextEvent, recordEvents } from '../../test-support/sockets.js';

describe.each(await databaseKinds())('AI triage (local provider) on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let a: Session;
  let b: Session;
  const sockets: Socket[] = [];

  /** The process log, as JSON lines (what `docker-compose logs api` shows). */
  const logLines: Record<string, any>[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    t = await createTestApp(kind, {}, { runWorkers: true, logger });
    url = await listen(t.app);
    a = await registerAccount(t.app, 'Triage A');
    b = await registerAccount(t.app, 'Triage B');
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  const open = (session: Session, content: string) =>
    call(t.app, session, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'Carla Customer' }, message: { content } } });

  it("classifies a customer message in the background and announces it to the account's sockets only", async () => {
    const socketA = connectSocket(url, a.token);
    const socketB = connectSocket(url, b.token);
    sockets.push(socketA, socketB);
    await Promise.all([connected(socketA), connected(socketB)]);
    const seenByB = recordEvents(socketB);
    const classified = nextEvent(socketA, 'ai:classification', 60_000);
    const updated = nextEvent(socketA, 'conversation:updated', 60_000, (e: any) => e.data.conversation.category !== null);
    const opened = await open(a, 'I was charged twice for order #12345');
    expect(opened.status).toBe(201);
    const envelope = await classified;
    const id = opened.body.conversation.id;
    // The conversation as the classification left it, for every open list and pane.
    const { conversation: changed } = (await updated).data;
    expect(changed).toMatchObject({ id, category: 'billing', priority: 'high', sentiment: envelope.data.classification.sentiment });
    expect(new Date(changed.updatedAt).getTime()).toBeGreaterThan(new Date(opened.body.conversation.updatedAt).getTime());
    expect(envelope).toMatchObject({
      event: 'ai:classification',
      accountId: a.accountId,
      data: {
        conversationId: id,
        messageId: opened.body.message.id,
        classification: { category: 'billing', priority: 'high', language: 'en', provider: 'local' },
      },
    });
    const { classification } = envelope.data;
    expect(classification.confidence).toBeGreaterThan(0);
    expect(classification.confidence).toBeLessThanOrEqual(1);
    expect(classification.processingTime).toMatch(/^\d+ms$/);
    expect(classification.reasoning).toMatch(/Category billing/);

    const stored = await call(t.app, a, { method: 'GET', url: `/api/conversations/${id}/classification` });
    expect(stored.status).toBe(200);
    expect(stored.body.classification).toMatchObject({ category: 'billing', priority: 'high', confidence: classification.confidence });
    const conversation = await call(t.app, a, { method: 'GET', url: `/api/conversations/${id}` });
    expect(conversation.body.conversation).toMatchObject({ category: 'billing', priority: 'high', sentiment: classification.sentiment });
    expect(['positive', 'neutral', 'negative', 'frustrated', 'angry']).toContain(classification.sentiment);
    const listed = await call(t.app, a, { method: 'GET', url: '/api/conversations?limit=100' });
    expect(listed.body.data.find((c: { id: number }) => c.id === id)).toMatchObject({ category: 'billing', sentiment: classification.sentiment });
    expect((await call(t.app, b, { method: 'GET', url: `/api/conversations/${id}/classification` })).status).toBe(404);

    const own = nextEvent(socketB, 'ai:classification', 60_000);
    await open(b, 'Where is my parcel? Tracking has not moved for a week');
    expect((await own).data.classification.category).toBe('shipping');
    expect(seenByB.some((e) => e.payload.accountId === a.accountId)).toBe(false);
  }, 120_000);

  it('classifies every customer reply too, once each', async () => {
    const socket = connectSocket(url, a.token);
    sockets.push(socket);
    const seen = recordEvents(socket);
    await connected(socket);
    // Recorded from the connection on: a classification announced before its POST has answered is not missed.
    const classified = (matching: (e: any) => boolean) =>
      eventuallyFound('a classification', seen, (e) => e.event === 'ai:classification' && matching(e.payload), { timeoutMs: 60_000 }).then((e) => e.payload);
    const opened = await open(a, 'The app crashes every time I open the map');
    const id = opened.body.conversation.id;
    const first = await classified((e) => e.data.conversationId === id);
    expect(first.data.classification.sentiment).toBe('negative');
    const reply = await call(t.app, a, {
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'I forgot my password too and this is absolutely ridiculous, I am furious!!!', messageType: 'incoming' },
    });
    const second = await classified((e) => e.data.messageId === reply.body.message.id);
    expect(second.data.classification.category).toBe('account');
    // The conversation shows the latest classification's sentiment.
    const conversation = await call(t.app, a, { method: 'GET', url: `/api/conversations/${id}` });
    expect(second.data.classification.sentiment).toBe('angry');
    expect(conversation.body.conversation.sentiment).toBe('angry');
    const jobs = await call(t.app, a, { method: 'GET', url: '/api/queue/jobs?limit=200' });
    // One classification job per message (its draft job has the same key in its own queue).
    const keys = jobs.body.data.filter((job: { queue: string }) => job.queue === 'ai-classification').map((job: { key: string }) => job.key);
    expect(keys.filter((key: string) => key === `msg-${reply.body.message.id}`)).toHaveLength(1);
  }, 120_000);

  it('previews a classification without storing it, for any input', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['Sovellus kaatuu aina kun avaan sen', { language: 'fi' }],
      ['Could you please add a dark mode to the Trails app?', { category: 'feature_request', priority: 'low' }],
      ['', { language: 'und' }],
      ['   ', { language: 'und' }],
      ['🙂🙂🙂', { language: 'und' }],
      ['refund '.repeat(14_000), {}],
      ['\u0001\u0002 binary-looking \u00ff\u00fe', {}],
    ];
    for (const [text, expected] of cases) {
      const answer = await call(t.app, a, { method: 'POST', url: '/api/ai/classify', payload: { text } });
      expect(answer.status, JSON.stringify(answer.body).slice(0, 200)).toBe(200);
      expect(answer.body.classification).toMatchObject(expected);
      expect(answer.body.classification.confidence).toBeGreaterThanOrEqual(0);
    }
    const empty = await call(t.app, a, { method: 'POST', url: '/api/ai/classify', payload: { text: '' } });
    expect(empty.body.classification.confidence).toBeLessThanOrEqual(1 / 8 + 1e-9);
    expect((await call(t.app, a, { method: 'POST', url: '/api/ai/classify', payload: { text: 'x'.repeat(100_001) } })).status).toBe(400);
    expect((await call(t.app, undefined, { method: 'POST', url: '/api/ai/classify', payload: { text: 'hi' } })).status).toBe(401);
  }, 60_000);

  it('logs the classification and the draft with their figures as JSON fields', async () => {
    const opened = await open(a, 'My parcel never arrived, where is it?');
    const conversationId = opened.body.conversation.id;
    const logged = (msg: RegExp) =>
      eventually(`a log line ${msg}`, async () => logLines.find((line) => msg.test(line.msg) && line.conversationId === conversationId), { timeoutMs: 60_000 });
    const started = await logged(/^Classification started$/);
    expect(started).toMatchObject({ level: 30, accountId: a.accountId, messageId: expect.any(Number) });
    const complete = await logged(/^Classification complete/);
    expect(complete).toMatchObject({
      accountId: a.accountId,
      messageId: started.messageId,
      category: expect.any(String),
      confidence: expect.any(Number),
      provider: 'local',
    });
    expect(complete.timings).toMatchObject({
      reading: expect.any(Number),
      embedding: expect.any(Number),
      model: expect.any(Number),
      storing: expect.any(Number),
    });
    expect(complete.duration).toBeGreaterThanOrEqual(complete.timings.embedding + complete.timings.storing);
    const draft = await logged(/^Draft ready/);
    expect(draft).toMatchObject({ accountId: a.accountId, messageId: started.messageId, confidence: expect.any(Number), duration: expect.any(Number) });
    expect(draft.timings).toMatchObject({ search: expect.any(Number), storing: expect.any(Number) });
  });
});
