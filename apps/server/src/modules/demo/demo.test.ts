import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { bearer, expectError, listAll } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { DEMO_LOGIN, seedDemoAccount } from './seed.js';

const LANGUAGES = ['en', 'fi', 'sv', 'de', 'fr', 'es'];

describe.each(await databaseKinds())('demo account on %s', (kind) => {
  let t: TestApp;
  let demoAccountId: number;
  let demo: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const seeded = await seedDemoAccount(t.database.db);
    expect(seeded).toEqual(expect.any(Number));
    demoAccountId = seeded!;
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: DEMO_LOGIN });
    expect(login.status).toBe(200);
    demo = { token: login.body.token, accountId: login.body.account.id, userId: login.body.user.id, auth: bearer(login.body.token) };
  });
  afterAll(() => t?.close());

  const generate = (headers: Record<string, string> = {}) =>
    call(t.app, undefined, {
      method: 'POST',
      url: '/api/demo/generate-ticket',
      headers: { 'content-type': 'application/json', ...headers },
    });

  describe('the seed', () => {
    it('logs the demo administrator into the demo account', async () => {
      expect(demo.accountId).toBe(demoAccountId);
      const who = await call(t.app, demo, { method: 'GET', url: '/api/auth/me' });
      expect(who.body.account).toMatchObject({ id: demoAccountId, name: 'Northwind Gear', role: 'administrator' });
    });

    it('has a few dozen conversations with messages, agents, teams, inboxes and labels', async () => {
      const conversations = await listAll(t.app, demo, '/api/conversations');
      expect(conversations.length).toBeGreaterThanOrEqual(40);
      expect(new Set(conversations.map((c) => c.status)).size).toBeGreaterThanOrEqual(2);
      expect(conversations.every((c) => c.lastMessage !== null)).toBe(true);
      const threaded = conversations.find((c) => c.status === 'resolved')!;
      const messages = await listAll(t.app, demo, `/api/conversations/${threaded.id}/messages`);
      expect(messages.length).toBeGreaterThanOrEqual(2);

      const agents = await call(t.app, demo, { method: 'GET', url: '/api/agents' });
      expect(agents.body.data.length).toBeGreaterThanOrEqual(4);
      expect(agents.body.data.filter((a: { role: string }) => a.role === 'administrator')).toHaveLength(1);
      const teams = await call(t.app, demo, { method: 'GET', url: '/api/teams' });
      expect(teams.body.data.map((team: { name: string }) => team.name).sort()).toEqual(['Billing', 'Customer Success', 'Logistics', 'Technical Support']);
      expect(teams.body.data.every((team: { memberCount: number }) => team.memberCount > 0)).toBe(true);
      const inboxes = await call(t.app, demo, { method: 'GET', url: '/api/inboxes' });
      expect(inboxes.body.data.length).toBeGreaterThanOrEqual(1);
      const labels = await call(t.app, demo, { method: 'GET', url: '/api/labels' });
      expect(labels.body.data.length).toBeGreaterThanOrEqual(1);
    });

    it('has at least 15 knowledge-base articles', async () => {
      // No knowledge-base routes yet: count as the database owner.
      const rows = await queryRows<{ n: string | number; titles: string | number }>(
        t.database.db,
        sql`select count(*) as n, count(distinct title) as titles from knowledge_base_articles where account_id = ${demoAccountId}`,
      );
      expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(15);
      expect(Number(rows[0]!.titles)).toBe(Number(rows[0]!.n));
    });

    it('does not seed twice', async () => {
      const before = (await listAll(t.app, demo, '/api/conversations')).length;
      expect(await seedDemoAccount(t.database.db)).toBeNull();
      expect((await listAll(t.app, demo, '/api/conversations')).length).toBe(before);
      const accounts = await queryRows<{ n: string | number }>(t.database.db, sql`select count(*) as n from accounts where slug = 'demo'`);
      expect(Number(accounts[0]!.n)).toBe(1);
    });
  });

  describe('POST /api/demo/generate-ticket', () => {
    it('creates a conversation in the demo account from an empty JSON request', async () => {
      const before = (await listAll(t.app, demo, '/api/conversations')).length;
      const response = await generate();
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        conversationId: expect.any(Number),
        message: { id: expect.any(Number), content: expect.any(String), language: expect.any(String), createdAt: expect.any(String) },
      });
      expect(LANGUAGES).toContain(response.body.message.language);
      expect(response.body.message.content.length).toBeGreaterThan(20);
      expect(Math.abs(Date.parse(response.body.message.createdAt) - Date.now())).toBeLessThan(60_000);

      const conversation = await call(t.app, demo, { method: 'GET', url: `/api/conversations/${response.body.conversationId}` });
      expect(conversation.status).toBe(200);
      expect(conversation.body.conversation).toMatchObject({
        status: 'open',
        lastMessage: { id: response.body.message.id, content: response.body.message.content.slice(0, 300), messageType: 'incoming' },
      });
      expect(conversation.body.conversation.contact.name).toMatch(/\S/);
      expect((await listAll(t.app, demo, '/api/conversations')).length).toBe(before + 1);
    });

    it('also works with no content type and no body', async () => {
      const response = await call(t.app, undefined, { method: 'POST', url: '/api/demo/generate-ticket' });
      expect(response.status).toBe(201);
      expect((await call(t.app, demo, { method: 'GET', url: `/api/conversations/${response.body.conversationId}` })).status).toBe(200);
    });

    it('writes in several languages', async () => {
      const languages = new Set<string>();
      const ids = new Set<number>();
      for (let i = 0; i < 30; i++) {
        const response = await generate();
        expect(response.status).toBe(201);
        languages.add(response.body.message.language);
        ids.add(response.body.conversationId);
      }
      expect(ids.size).toBe(30);
      expect(languages.size).toBeGreaterThanOrEqual(3);
      for (const language of languages) expect(LANGUAGES).toContain(language);
    });

    it("creates the ticket in the caller's account when authenticated", async () => {
      const other = await registerAccount(t.app, 'Own Tickets Inc');
      const response = await generate(other.auth);
      expect(response.status).toBe(201);
      const own = await call(t.app, other, { method: 'GET', url: `/api/conversations/${response.body.conversationId}` });
      expect(own.status).toBe(200);
      expectError(await call(t.app, demo, { method: 'GET', url: `/api/conversations/${response.body.conversationId}` }), 404, 'not_found');
      expect((await listAll(t.app, other, '/api/conversations')).map((c) => c.id)).toEqual([response.body.conversationId]);
    });

    it('refuses a bad token instead of falling back to the demo account', async () => {
      const before = (await listAll(t.app, demo, '/api/conversations')).length;
      expectError(await generate({ authorization: 'Bearer garbage' }), 401, 'invalid_token');
      expectError(await generate({ authorization: '' }), 401);
      expect((await listAll(t.app, demo, '/api/conversations')).length).toBe(before);
    });
  });
});

describe.each(await databaseKinds())('demo endpoint switched off on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind, { HUMMDESK_DEMO: 'false' });
    await seedDemoAccount(t.database.db);
  });
  afterAll(() => t?.close());

  it('answers 404 without a token', async () => {
    const response = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/demo/generate-ticket',
      headers: { 'content-type': 'application/json' },
    });
    expectError(response, 404, 'not_found');
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: DEMO_LOGIN });
    const demo: Session = { token: login.body.token, accountId: login.body.account.id, userId: login.body.user.id, auth: bearer(login.body.token) };
    const conversations = await listAll(t.app, demo, '/api/conversations');
    expect(conversations.every((c) => Date.now() - Date.parse(c.createdAt) > 60_000)).toBe(true);
  });

  it("still creates tickets in the caller's account with a token", async () => {
    const session = await registerAccount(t.app, 'Demo Off Co');
    const response = await call(t.app, session, {
      method: 'POST',
      url: '/api/demo/generate-ticket',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    const conversation = await call(t.app, session, { method: 'GET', url: `/api/conversations/${response.body.conversationId}` });
    expect(conversation.status).toBe(200);
    expect(conversation.body.conversation.lastMessage.content).toBe(response.body.message.content.slice(0, 300));
  });
});
