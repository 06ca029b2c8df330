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
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const counter = counting.getStore();
  if (counter) counter.queries += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

async function roundTrips<T>(work: () => Promise<T>) {
  const counter = { queries: 0 };
  const result = await counting.run(counter, work);
  return { result, roundTrips: counter.queries };
}

const postgres = (await databaseKinds()).includes('postgres');

describe.skipIf(!postgres)('round trips to Postgres', () => {
  let t: TestApp;
  let admin: Session;
  let conversationId: number;

  beforeAll(async () => {
    t = await createTestApp('postgres');
    admin = await registerAccount(t.app, 'Round Trips Inc');
    const opened = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Maija', email: 'maija@example.com' }, message: { content: 'Where is my parcel?' } },
    });
    conversationId = opened.body.conversation.id;
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

  it('answers a conversation with its last message from the one statement', async () => {
    const list = await call(t.app, admin, { method: 'GET', url: '/api/conversations?limit=50' });
    const one = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}` });
    expect(list.body.data[0].lastMessage).toMatchObject({ content: 'On its way', messageType: 'outgoing' });
    expect(one.body.conversation).toEqual(list.body.data[0]);
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
