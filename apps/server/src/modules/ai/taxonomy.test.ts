import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { eq } from 'drizzle-orm';
import { aiModels } from '../../db/schema.js';
import { createEmbedder, type Embedder } from '../../platform/ai/embeddings.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, recordEvents } from '../../test-support/sockets.js';
import { trainAccountModel } from './training.js';

describe.each(await databaseKinds())('AI taxonomy and corrections on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let a: Session;
  let b: Session;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    url = await listen(t.app);
    a = await registerAccount(t.app, 'Taxonomy A');
    b = await registerAccount(t.app, 'Taxonomy B');
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  const taxonomy = (session: Session) => call(t.app, session, { method: 'GET', url: '/api/ai/taxonomy' });
  const put = (session: Session, categories: unknown) => call(t.app, session, { method: 'PUT', url: '/api/ai/taxonomy', payload: { categories } });
  /** The classification of the conversation, announced on the socket (recorded from its connection on). */
  const classificationOf = (seen: { event: string; payload: any }[], id: number) =>
    eventuallyFound(`the classification of conversation ${id}`, seen, (e) => e.event === 'ai:classification' && e.payload.data.conversationId === id).then(
      (e) => e.payload,
    );
  const waitUntilReady = (session: Session) =>
    eventually('the training to finish', async () => {
      const { body } = await taxonomy(session);
      if (body.training.status === 'failed') throw new Error('training failed');
      return body.training.status === 'ready' ? body : undefined;
    });

  it('starts an account with the default taxonomy and trains it', async () => {
    const { body } = await taxonomy(a);
    expect(body.categories.map((c: { name: string }) => c.name)).toEqual([
      'billing',
      'refunds',
      'shipping',
      'technical',
      'bug',
      'account',
      'feature_request',
      'general',
    ]);
    expect(body.categories.every((c: { examples: string[] }) => c.examples.length === 10)).toBe(true);
    expect(['training', 'ready']).toContain(body.training.status);
    expect((await waitUntilReady(a)).training.progress).toBe(100);
  }, 150_000);

  it('refuses a bad taxonomy with a clear 4xx and keeps the one it has', async () => {
    const before = (await taxonomy(a)).body.categories;
    const ok = (name: string) => ({ name, examples: [`an example of ${name}`] });
    const foreignTeam = (await call(t.app, b, { method: 'POST', url: '/api/teams', payload: { name: 'B team' } })).body.team.id;
    const cases: [unknown, number, string][] = [
      [[ok('orders'), ok('Orders')], 422, 'duplicate_category'],
      [[ok('orders'), { name: '', examples: ['x'] }], 400, 'validation_error'],
      [[ok('orders'), { name: '   ', examples: ['x'] }], 400, 'validation_error'],
      [[ok('orders')], 400, 'validation_error'],
      [Array.from({ length: 201 }, (_, i) => ok(`c${i}`)), 400, 'validation_error'],
      [[ok('orders'), { name: 'app', examples: ['y'.repeat(2_001)] }], 400, 'validation_error'],
      [[ok('orders'), { name: 'app', examples: ['x'], colour: 'red' }], 400, 'validation_error'],
      [[ok('orders'), { name: 'app', description: 'no examples' }], 422, 'not_enough_examples'],
      [Array.from({ length: 11 }, (_, i) => ({ name: `c${i}`, examples: Array.from({ length: 4_600 }, (_, j) => `e${j}`) })), 422, 'too_many_examples'],
      // 10,000 examples of 1,700 characters: each allowed, but 17 MB in all.
      [
        Array.from({ length: 10 }, (_, i) => ({ name: `c${i}`, examples: Array.from({ length: 1_000 }, (_, j) => `${j} ${'z'.repeat(1_700)}`) })),
        413,
        'payload_too_large',
      ],
      [[ok('orders'), { ...ok('app'), teamId: foreignTeam }], 422, 'invalid_team'],
    ];
    for (const [categories, status, code] of cases) {
      const answer = await put(a, categories);
      expect(answer.status, code).toBe(status);
      expect(answer.body.error.code).toBe(code);
    }
    expect((await taxonomy(a)).body.categories).toEqual(before);
    // Agents read the taxonomy but do not change it.
    const agent = await call(t.app, a, {
      method: 'POST',
      url: '/api/agents',
      payload: { name: 'Agent', email: `tax.${Date.now()}@example.com`, password: 'agent password 1' },
    });
    const session = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: agent.body.agent.email, password: 'agent password 1' },
    });
    const asAgent = { token: session.body.token, accountId: a.accountId, userId: agent.body.agent.id, auth: { authorization: `Bearer ${session.body.token}` } };
    expect((await taxonomy(asAgent)).status).toBe(200);
    expect((await put(asAgent, [ok('orders'), ok('app')])).status).toBe(403);
  }, 60_000);

  it("replaces an account's taxonomy, trains it in the background, and leaves other accounts alone", async () => {
    const team = (await call(t.app, a, { method: 'POST', url: '/api/teams', payload: { name: 'Webshop' } })).body.team.id;
    const answer = await put(a, [
      {
        name: 'orders',
        description: 'Orders and deliveries',
        teamId: team,
        examples: ['where is my order', 'my parcel is late', 'tracking does not move', 'change my delivery address'],
      },
      {
        name: 'app',
        description: 'The mobile app',
        examples: ['the app crashes', 'sync fails with an error', 'cannot log in to the app', 'map does not load'],
      },
      { name: 'other', examples: ['do you have a shop in Oulu', 'thanks for the help', 'are you hiring', 'opening hours please'] },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.training.status).toBe('training');
    expect(answer.body.categories[0]).toMatchObject({ name: 'orders', teamId: team, examples: expect.arrayContaining(['where is my order']) });
    await waitUntilReady(a);
    expect((await call(t.app, a, { method: 'GET', url: '/api/ai/training' })).body).toEqual({ training: { status: 'ready', progress: 100 } });
    const preview = await call(t.app, a, { method: 'POST', url: '/api/ai/classify', payload: { text: 'My order has not arrived, where is the parcel?' } });
    expect(preview.body.classification).toMatchObject({ category: 'orders', suggestedTeamId: team });
    expect((await taxonomy(b)).body.categories).toHaveLength(8);
  }, 150_000);

  it('suggests the online member of the team with the fewest open conversations, and nobody when none is online', async () => {
    const webshop = (await taxonomy(a)).body.categories.find((c: { name: string }) => c.name === 'orders').teamId;
    const email = `online.${Date.now()}@example.com`;
    const agent = await call(t.app, a, { method: 'POST', url: '/api/agents', payload: { name: 'Olli Online', email, password: 'agent password 1' } });
    await call(t.app, a, { method: 'PUT', url: `/api/teams/${webshop}/members`, payload: { userIds: [a.userId, agent.body.agent.id] } });
    const suggest = async () =>
      (await call(t.app, a, { method: 'POST', url: '/api/ai/classify', payload: { text: 'Where is my order? The parcel is late' } })).body.classification;

    expect(await suggest()).toMatchObject({ category: 'orders', suggestedTeamId: webshop, suggestedAgentId: null });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    const agentSocket = connectSocket(url, login.body.token);
    sockets.push(agentSocket);
    await connected(agentSocket);
    expect((await suggest()).suggestedAgentId).toBe(agent.body.agent.id);
    agentSocket.disconnect();
    const adminSocket = connectSocket(url, a.token);
    sockets.push(adminSocket);
    await connected(adminSocket);
    // The agent's socket is gone once the server has seen it close: then the administrator is the one online.
    await eventually('the suggestion to follow who is online', async () => ((await suggest()).suggestedAgentId === a.userId ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect((await suggest()).suggestedAgentId).toBe(a.userId);
    adminSocket.disconnect();
  }, 60_000);

  it("routes a classified conversation to its team when the account's routing allows it", async () => {
    const webshop = (await taxonomy(a)).body.categories.find((c: { name: string }) => c.name === 'orders').teamId;
    const socket = connectSocket(url, a.token);
    sockets.push(socket);
    const seen = recordEvents(socket);
    await connected(socket);
    const route = async (aiRouting: object) => {
      const patched = await call(t.app, a, { method: 'PATCH', url: '/api/account', payload: { aiRouting } });
      expect(patched.status).toBe(200);
      const opened = await call(t.app, a, {
        method: 'POST',
        url: '/api/conversations',
        payload: { contact: {}, message: { content: 'Where is my order? My parcel is late' } },
      });
      const id = opened.body.conversation.id;
      await classificationOf(seen, id);
      return (await call(t.app, a, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation;
    };
    expect((await route({ enabled: true, threshold: 0 })).teamId).toBe(webshop);
    expect((await route({ enabled: false })).teamId).toBeNull();
    expect((await route({ enabled: true, threshold: 1 })).teamId).toBeNull();
    expect((await call(t.app, a, { method: 'GET', url: '/api/account' })).body.account.aiRouting).toEqual({ enabled: true, threshold: 1 });
    expect((await call(t.app, a, { method: 'PATCH', url: '/api/account', payload: { aiRouting: { threshold: 2 } } })).status).toBe(400);
    expect((await call(t.app, a, { method: 'PATCH', url: '/api/account', payload: { aiRouting: {} } })).status).toBe(400);
    socket.disconnect();
  }, 90_000);

  it('stores nothing from a training that a newer request overtook', async () => {
    const c = await registerAccount(t.app, 'Taxonomy C'); // its taxonomy is replaced here
    await waitUntilReady(c);
    const model = () =>
      withTenant(t.database.db, { accountId: c.accountId }, async (tx) => (await tx.select().from(aiModels).where(eq(aiModels.accountId, c.accountId)))[0]!);
    // A training that starts now, then waits (as a slow embedding would) until the test lets it go on.
    const real = createEmbedder();
    let release!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (reached = resolve));
    const slow: Embedder = {
      embed: async (texts, lane) => {
        reached();
        await gate;
        return real.embed(texts, lane);
      },
      close: () => real.close(),
    };
    const stale = trainAccountModel({ db: t.database.db, embedder: slow }, c.accountId, () => undefined);
    await started; // it has read the examples and the request it answers
    // Meanwhile the administrator saves a new taxonomy: its own training runs and finishes first.
    const categories = [
      { name: 'orders', examples: ['Where is my order?', 'My parcel has not arrived', 'Tracking shows no movement'] },
      { name: 'returns', examples: ['I want to send this back', 'How do I return an item?', 'Return label please'] },
    ];
    expect((await put(c, categories)).status).toBe(200);
    await waitUntilReady(c);
    const newest = await model();
    release();
    expect(await stale).toEqual({ superseded: true });
    await real.close();
    const after = await model();
    expect(after).toMatchObject({ status: 'ready', progress: 100, version: newest.version, weights: newest.weights });
    const preview = await call(t.app, c, { method: 'POST', url: '/api/ai/classify', payload: { text: 'Where is my parcel? The tracking has not moved' } });
    expect(preview.body.classification.category).toBe('orders');
  }, 120_000);

  it("learns from an agent's correction without a restart", async () => {
    await waitUntilReady(b);
    const socket = connectSocket(url, b.token);
    sockets.push(socket);
    const seen = recordEvents(socket);
    await connected(socket);
    const text = 'The Fjell tent pole snapped in the first wind';
    const opened = await call(t.app, b, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: text } } });
    const id = opened.body.conversation.id;
    const first = await classificationOf(seen, id);
    const corrected = first.data.classification.category === 'refunds' ? 'general' : 'refunds';

    expect((await call(t.app, b, { method: 'PATCH', url: `/api/conversations/${id}/classification`, payload: { category: 'no-such' } })).body.error.code).toBe(
      'unknown_category',
    );
    expect((await call(t.app, a, { method: 'PATCH', url: `/api/conversations/${id}/classification`, payload: { category: 'refunds' } })).status).toBe(404);
    const correction = await call(t.app, b, {
      method: 'PATCH',
      url: `/api/conversations/${id}/classification`,
      payload: { category: corrected, priority: 'urgent' },
    });
    expect(correction.status).toBe(200);
    expect(correction.body.classification).toMatchObject({ category: corrected, priority: 'urgent' });
    expect((await call(t.app, b, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation).toMatchObject({
      category: corrected,
      priority: 'urgent',
    });
    const sentiment = first.data.classification.sentiment === 'angry' ? 'positive' : 'angry';
    const feeling = await call(t.app, b, { method: 'PATCH', url: `/api/conversations/${id}/classification`, payload: { sentiment } });
    expect(feeling.body.classification).toMatchObject({ category: corrected, sentiment });
    expect((await call(t.app, b, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation).toMatchObject({ category: corrected, sentiment });

    await waitUntilReady(b);
    const again = await call(t.app, b, { method: 'POST', url: '/api/ai/classify', payload: { text: 'The Fjell tent pole snapped in the wind' } });
    expect(again.body.classification.category).toBe(corrected);
  }, 90_000);

  it('stores examples exactly as written, array syntax and all', async () => {
    // Examples travel to the database as two array parameters: what looks like array syntax stays text.
    const d = await registerAccount(t.app, 'Taxonomy D');
    const awkward = ['NULL', 'say "hi", {braces}, (parens) and a \\ backslash', "it's {a,b}", 'ümlaut 🙂 日本語', ' spaced '];
    const categories = [
      { name: 'orders', examples: ['where is my order', ...awkward] },
      { name: 'app', examples: ['the app crashes', 'null'] },
    ];
    const stored = await put(d, categories);
    expect(stored.status).toBe(200);
    const read = (await taxonomy(d)).body.categories;
    expect(read.map((c: { name: string; examples: string[] }) => ({ name: c.name, examples: c.examples }))).toEqual(categories);
    // The PUT answers what it stored without reading it back: the same as a GET.
    expect(stored.body.categories).toEqual(read);
  });
});
