/**
 * Round trips to Postgres per authenticated request: every `query` of a pg client is one (a
 * multi-statement simple query too), counted for the queries made while the request is handled.
 * A design check, not a timing: the membership check, the tenant context and a read's query
 * cost at most three round trips (the check with BEGIN and the settings, the query, COMMIT).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../test-support/app.js';
import { eventually } from '../test-support/checks.js';
import { databaseKinds } from '../test-support/databases.js';
import { resolveSession, type TokenClaims } from './auth.js';

const counting = new AsyncLocalStorage<{ queries: number }>();
const query = pg.Client.prototype.query;
beforeAll(() => {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const counter = counting.getStore();
    if (counter) counter.queries += 1;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
});
afterAll(() => {
  pg.Client.prototype.query = query;
});

async function roundTrips<T>(work: () => Promise<T>) {
  const counter = { queries: 0 };
  const result = await counting.run(counter, work);
  return { result, roundTrips: counter.queries };
}

const kinds = await databaseKinds();
const postgres = kinds.includes('postgres');

/** An ISO 8601 timestamp as the API writes them. */
const isoTimestamp = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

/**
 * The list and a conversation read the same hand-mapped statement (conversations.repo.ts): its
 * shape is checked against the contract here, key by key, on both drivers (they answer
 * timestamps and bigints differently).
 */
describe.each(kinds)('a conversation as the API shows it on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let conversationId: number;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await registerAccount(t.app, 'Shapes Inc');
    await call(t.app, admin, { method: 'POST', url: '/api/labels', payload: { title: 'vip' } });
    conversationId = await openParcelConversation(t, admin);
    await call(t.app, admin, { method: 'PATCH', url: `/api/conversations/${conversationId}`, payload: { labels: ['vip'] } });
    await call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'On its way' } });
  });
  afterAll(() => t?.close());

  it('answers every field of the contract with its type, in the list and alone', async () => {
    const list = await call(t.app, admin, { method: 'GET', url: '/api/conversations?limit=50' });
    const one = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}` });
    for (const conversation of [list.body.data[0], one.body.conversation]) {
      expect(Object.keys(conversation).sort()).toEqual(
        [
          'id',
          'displayId',
          'inboxId',
          'status',
          'priority',
          'assigneeId',
          'teamId',
          'category',
          'sentiment',
          'labels',
          'snoozedUntil',
          'firstReplyAt',
          'resolvedAt',
          'lastActivityAt',
          'createdAt',
          'updatedAt',
          'contactInboxId',
          'contact',
          'lastMessage',
        ].sort(),
      );
      expect(conversation).toStrictEqual({
        id: conversationId,
        displayId: expect.any(Number),
        inboxId: expect.any(Number),
        status: 'open',
        priority: 'none',
        assigneeId: null,
        teamId: null,
        category: null,
        sentiment: null,
        labels: ['vip'],
        snoozedUntil: null,
        firstReplyAt: isoTimestamp,
        resolvedAt: null,
        lastActivityAt: isoTimestamp,
        createdAt: isoTimestamp,
        updatedAt: isoTimestamp,
        contactInboxId: null,
        contact: { id: expect.any(Number), name: 'Maija', email: 'maija@example.com' },
        lastMessage: { id: expect.any(Number), content: 'On its way', messageType: 'outgoing', private: false, createdAt: isoTimestamp },
      });
      expect(Number.isSafeInteger(conversation.lastMessage.id)).toBe(true);
    }
  });
});

/** A customer's conversation with one message, opened through the API. */
async function openParcelConversation(t: TestApp, admin: Session): Promise<number> {
  const opened = await call(t.app, admin, {
    method: 'POST',
    url: '/api/conversations',
    payload: { contact: { name: 'Maija', email: 'maija@example.com' }, message: { content: 'Where is my parcel?' } },
  });
  return opened.body.conversation.id;
}

describe.skipIf(!postgres)('round trips to Postgres', () => {
  let t: TestApp;
  let admin: Session;
  let conversationId: number;

  beforeAll(async () => {
    t = await createTestApp('postgres');
    admin = await registerAccount(t.app, 'Round Trips Inc');
    conversationId = await openParcelConversation(t, admin);
    await call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'On its way' } });
  });
  afterAll(() => t?.close());

  it.each([
    ['the inbox list', () => '/api/conversations?limit=50'],
    ['one conversation', () => `/api/conversations/${conversationId}`],
    ['its messages', () => `/api/conversations/${conversationId}/messages?order=asc&limit=100`],
  ])('reads %s in at most three round trips', async (_name, url) => {
    const { result, roundTrips: count } = await roundTrips(() => call(t.app, admin, { method: 'GET', url: url() }));
    expect(result.status).toBe(200);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(3);
  });

  it('posts a reply in at most five round trips (membership, the conversation, the message, webhooks, COMMIT)', async () => {
    const { result, roundTrips: count } = await roundTrips(() =>
      call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'Counted' } }),
    );
    expect(result.status).toBe(201);
    expect(result.body.message).toMatchObject({ content: 'Counted', messageType: 'outgoing', sender: { type: 'user', id: admin.userId } });
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(5);
  });

  it("finds only the account's own conversation with a reply's statements prepared on connections another account used", async () => {
    const other = await registerAccount(t.app, 'Prepared Other');
    const theirs = await openParcelConversation(t, other);
    const reply = (session: Session, id: number) =>
      call(t.app, session, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'Prepared' } });
    // More replies than the pool has connections (5), by turns: every connection serves both accounts.
    for (let i = 0; i < 12; i++) {
      const [mine, others, intoTheirs, intoMine] = await Promise.all([
        reply(admin, conversationId),
        reply(other, theirs),
        reply(admin, theirs),
        reply(other, conversationId),
      ]);
      expect([mine.status, others.status]).toEqual([201, 201]);
      expect(mine.body.message.conversationId).toBe(conversationId);
      expect(others.body.message.conversationId).toBe(theirs);
      expect([intoTheirs.status, intoMine.status]).toEqual([404, 404]);
    }
  });

  it("checks a socket's session in one round trip, leaving no transaction to end", async () => {
    const claims = JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString()) as TokenClaims;
    const { result, roundTrips: count } = await roundTrips(() => resolveSession(t.database.db, claims, { offer: false }));
    expect(result).toMatchObject({ accountId: admin.accountId, userId: admin.userId, role: 'administrator' });
    expect(count).toBe(1);
  });

  it('ends a session check no handler took, giving its connection back', async () => {
    const claims = JSON.parse(Buffer.from(admin.token.split('.')[1]!, 'base64url').toString()) as TokenClaims;
    // More checks than the pool has connections (5): a transaction left open would keep one.
    for (let i = 0; i < 12; i++) await resolveSession(t.database.db, claims);
    const idleInTransaction = async () => {
      const client = new pg.Client({ connectionString: t.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'",
        );
        return rows[0]!.n;
      } finally {
        await client.end();
      }
    };
    await eventually('no transaction left open', async () => ((await idleInTransaction()) === 0 ? true : undefined));
  });
});

describe.skipIf(!postgres)('round trips to Postgres of the AI panel', () => {
  let t: TestApp;
  let admin: Session;
  let conversationId: number;

  beforeAll(async () => {
    // With workers: the customer's message gets its classification and draft. (A request that
    // wakes the queue would count the workers' queries too: the reads here do not.)
    t = await createTestApp('postgres', {}, { runWorkers: true });
    admin = await registerAccount(t.app, 'Round Trips AI Inc');
    conversationId = await openParcelConversation(t, admin);
  });
  afterAll(() => t?.close());

  it('reads the classification and the draft in three round trips, and 404s another account the conversation', async () => {
    const other = await registerAccount(t.app, 'Round Trips Other');
    for (const what of ['classification', 'drafts']) {
      const url = `/api/conversations/${conversationId}/${what}`;
      await eventually(`the ${what}`, async () => ((await call(t.app, admin, { method: 'GET', url })).status === 200 ? true : undefined));
      const { result, roundTrips: count } = await roundTrips(() => call(t.app, admin, { method: 'GET', url }));
      expect(result.status).toBe(200);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(3);
      const foreign = await call(t.app, other, { method: 'GET', url });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.message).toMatch(/^Conversation/);
    }
  });
});
