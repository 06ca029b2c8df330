/**
 * The attack run of issue 11, replayed: each finding exactly as it was reproduced, now failing
 * to succeed. Identity and membership (1, 2, 9, 10), rate limits behind proxies (3), hostile
 * JSON (7) and terminated database connections (8). Realtime revocation (4) and rooms (11) are
 * in realtime/revocation.test.ts.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from './db/client.js';
import { isDatabaseUnavailable } from './platform/errors.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from './test-support/app.js';
import { bearer, expectError } from './test-support/checks.js';
import { databaseKinds } from './test-support/databases.js';
import { ADMIN_URL } from './test-support/postgres-admin.js';

let unique = 0;
const address = (tag: string) => `${tag}.${++unique}.${process.pid}.${Date.now()}@a.example`;
const asSession = (body: any): Session => ({ token: body.token, accountId: body.account.id, userId: body.user.id, auth: bearer(body.token) });

describe.each(await databaseKinds())('identity and membership on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let conversationOfA: number;

  beforeAll(async () => {
    t = await createTestApp(kind);
    a = await registerAccount(t.app, 'Company A');
    b = await registerAccount(t.app, 'Attacker B');
    const opened = await call(t.app, a, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Secret' }, message: { content: 'A private matter' } },
    });
    conversationOfA = opened.body.conversation.id;
  });
  afterAll(() => t?.close());

  const login = (body: Record<string, unknown>) => call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: body });
  const accept = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    call(t.app, undefined, { method: 'POST', url: '/api/auth/accept-invitation', payload, headers });

  it("finding 1: an account that pre-registers a person's e-mail never gets into the company that hires them", async () => {
    const newhire = address('newhire');
    // B invites the address and accepts its own invitation with a password of its choosing.
    const byB = await call(t.app, b, { method: 'POST', url: '/api/agents', payload: { name: 'x', email: newhire } });
    expect(byB.status).toBe(201);
    expect((await accept({ token: byB.body.invitationToken, password: 'attacker-pw-1' })).status).toBe(200);

    // A's administrator adds the same person with a password: refused, not silently dropped.
    const withPassword = await call(t.app, a, {
      method: 'POST',
      url: '/api/agents',
      payload: { name: 'New Hire', email: newhire, role: 'agent', password: 'company-set-pw-1' },
    });
    expectError(withPassword, 409, 'email_registered');
    // A invites instead; until the person accepts with A's token, nobody joins A.
    const invited = await call(t.app, a, { method: 'POST', url: '/api/agents', payload: { name: 'New Hire', email: newhire } });
    expect(invited.status).toBe(201);
    expect(invited.body.agent).toBeUndefined();

    const attacker = await login({ email: newhire, password: 'attacker-pw-1', accountId: a.accountId });
    expectError(attacker, 403, 'forbidden');
    const intoB = asSession((await login({ email: newhire, password: 'attacker-pw-1' })).body);
    expect(intoB.accountId).toBe(b.accountId);
    expectError(await call(t.app, intoB, { method: 'GET', url: `/api/conversations/${conversationOfA}` }), 404, 'not_found');
    // Signed in as the address, the attacker still needs A's token, which A sent to the real person.
    expectError(await accept({ token: 'guessed-token' }, intoB.auth), 400, 'invalid_invitation');
    const members = await call(t.app, a, { method: 'GET', url: '/api/agents' });
    expect(members.body.data.map((agent: { email: string }) => agent.email)).not.toContain(newhire);
  });

  it('finding 2: no account adds an existing user to itself, learns who is registered, or blocks a registration', async () => {
    const victim = (await call(t.app, a, { method: 'GET', url: '/api/auth/me' })).body.user;
    const existing = await call(t.app, b, { method: 'POST', url: '/api/agents', payload: { name: 'Boss', email: victim.email, role: 'administrator' } });
    const fresh = await call(t.app, b, { method: 'POST', url: '/api/agents', payload: { name: 'Boss', email: address('fresh'), role: 'administrator' } });
    expect(existing.status).toBe(201);
    expect(fresh.status).toBe(201);
    // The same answer for a registered and a new address: no name, no user id, no "confirmed".
    const shape = (body: any) => ({ keys: Object.keys(body).sort(), invitation: Object.keys(body.invitation).sort() });
    expect(shape(existing.body)).toEqual(shape(fresh.body));
    expect(JSON.stringify(existing.body)).not.toContain(victim.name);
    expect(JSON.stringify(existing.body)).not.toContain(`"id":${victim.id},`);
    // The victim is not a member of B, and their login lists only A.
    const victimLogin = await login({ email: victim.email, password: 'correct horse battery' });
    expect(victimLogin.body.accounts.map((account: { id: number }) => account.id)).toEqual([a.accountId]);
    expectError(await login({ email: victim.email, password: 'correct horse battery', accountId: b.accountId }), 403, 'forbidden');

    // An invited, unaccepted address registers normally.
    const invitedOnly = address('invited-only');
    await call(t.app, b, { method: 'POST', url: '/api/agents', payload: { name: 'Owner', email: invitedOnly } });
    const registered = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/register',
      payload: { accountName: 'Own Shop', name: 'Owner', email: invitedOnly, password: 'my own long password' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.accounts).toHaveLength(1);
  });

  it('finding 9: a new password needs the current one, is not a common one, and ends the other sessions', async () => {
    const email = address('changer');
    const registered = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/register',
      payload: { accountName: 'Changer', name: 'Chang Er', email, password: 'first long password' },
    });
    const here = asSession(registered.body);
    const elsewhere = asSession((await login({ email, password: 'first long password' })).body);
    const change = (body: Record<string, unknown>) => call(t.app, here, { method: 'PATCH', url: '/api/auth/me', payload: body });

    expectError(await change({ password: 'second long password' }), 422, 'current_password_required');
    expectError(await change({ password: 'second long password', currentPassword: 'not the password' }), 422, 'wrong_password');
    for (const weak of ['12345678', 'password', '        '])
      expectError(await change({ password: weak, currentPassword: 'first long password' }), 400, 'validation_error');
    for (const weak of ['1234567890', 'qwertyuiop', '          ', email]) {
      expectError(await change({ password: weak, currentPassword: 'first long password' }), 422, 'weak_password');
    }
    expect((await call(t.app, elsewhere, { method: 'GET', url: '/api/auth/me' })).status).toBe(200);

    const changed = await change({ password: 'second long password', currentPassword: 'first long password' });
    expect(changed.status).toBe(200);
    expectError(await call(t.app, elsewhere, { method: 'GET', url: '/api/auth/me' }), 401, 'session_ended');
    expect((await call(t.app, here, { method: 'GET', url: '/api/auth/me' })).status).toBe(200);
    expectError(await login({ email, password: 'first long password' }), 401, 'invalid_credentials');
    expect((await login({ email, password: 'second long password' })).status).toBe(200);
  });

  it('finding 9: registration and invitations refuse weak passwords too', async () => {
    const register = (password: string) =>
      call(t.app, undefined, { method: 'POST', url: '/api/auth/register', payload: { accountName: 'Weak', name: 'Weak', email: address('weak'), password } });
    for (const weak of ['12345678', 'password', '        ']) expectError(await register(weak), 400, 'validation_error');
    expectError(await register('1234567890'), 422, 'weak_password');
    const byAdmin = await call(t.app, a, { method: 'POST', url: '/api/agents', payload: { name: 'Weak', email: address('weak'), password: 'qwertyuiop' } });
    expectError(byAdmin, 422, 'weak_password');
  });

  it('signs out: the token stops working at once, and sessions can be listed and ended one by one', async () => {
    const email = (await call(t.app, a, { method: 'GET', url: '/api/auth/me' })).body.user.email;
    const laptop = asSession((await login({ email, password: 'correct horse battery' })).body);
    const phone = asSession(
      (
        await call(t.app, undefined, {
          method: 'POST',
          url: '/api/auth/login',
          payload: { email, password: 'correct horse battery' },
          headers: { 'user-agent': 'Phone/1.0' },
        })
      ).body,
    );
    const sessions = await call(t.app, laptop, { method: 'GET', url: '/api/auth/sessions' });
    const phoneSession = sessions.body.data.find((session: { userAgent: string }) => session.userAgent === 'Phone/1.0');
    expect(phoneSession).toMatchObject({ current: false, ip: '127.0.0.1' });
    expect(sessions.body.data.filter((session: { current: boolean }) => session.current)).toHaveLength(1);
    expect((await call(t.app, laptop, { method: 'DELETE', url: `/api/auth/sessions/${phoneSession.id}` })).status).toBe(204);
    expectError(await call(t.app, phone, { method: 'GET', url: '/api/conversations' }), 401, 'session_ended');
    // Another user's session id is not found, as if it did not exist.
    const other = (await call(t.app, b, { method: 'GET', url: '/api/auth/sessions' })).body.data[0].id;
    expectError(await call(t.app, laptop, { method: 'DELETE', url: `/api/auth/sessions/${other}` }), 404, 'not_found');
    expect((await call(t.app, b, { method: 'GET', url: '/api/conversations' })).status).toBe(200);

    expect((await call(t.app, laptop, { method: 'POST', url: '/api/auth/logout' })).status).toBe(204);
    expectError(await call(t.app, laptop, { method: 'GET', url: '/api/conversations' }), 401, 'session_ended');
    expect((await call(t.app, a, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
  });

  it('keeps invitations and sessions of other accounts and users out of reach in SQL as hummdesk_app', async () => {
    await call(t.app, a, { method: 'POST', url: '/api/agents', payload: { name: 'Pending', email: address('pending') } });
    const asApp = (accountId: number, userId: number, query: ReturnType<typeof sql>) =>
      t.database.db.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config('role', 'hummdesk_app', true), set_config('app.current_account_id', ${String(accountId)}, true), set_config('app.current_user_id', ${String(userId)}, true)`,
        );
        return queryRows<{ n: number | string }>(tx, query);
      });
    const [own] = await asApp(a.accountId, a.userId, sql`select count(*) as n from invitations where account_id = ${a.accountId}`);
    const [foreign] = await asApp(b.accountId, b.userId, sql`select count(*) as n from invitations where account_id = ${a.accountId}`);
    expect(Number(own!.n)).toBeGreaterThan(0);
    expect(Number(foreign!.n)).toBe(0);
    const [ownSessions] = await asApp(a.accountId, a.userId, sql`select count(*) as n from user_sessions where user_id = ${a.userId}`);
    const [foreignSessions] = await asApp(b.accountId, b.userId, sql`select count(*) as n from user_sessions where user_id = ${a.userId}`);
    expect(Number(ownSessions!.n)).toBeGreaterThan(0);
    expect(Number(foreignSessions!.n)).toBe(0);
    const pending = await call(t.app, a, { method: 'GET', url: '/api/agents/invitations' });
    expectError(await call(t.app, b, { method: 'DELETE', url: `/api/agents/invitations/${pending.body.data[0].id}` }), 404, 'not_found');
    expectError(await call(t.app, b, { method: 'POST', url: `/api/agents/invitations/${pending.body.data[0].id}/renew` }), 404, 'not_found');
  });

  it('finding 7: deeply nested JSON is a 400, not a 500, and writes nothing', async () => {
    const deep = `{"name":"x","attributes":{"deep":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    const created = await call(t.app, a, { method: 'POST', url: '/api/contacts', payload: deep, headers: { 'content-type': 'application/json' } });
    expectError(created, 400, 'too_deep');
    const contact = await call(t.app, a, { method: 'POST', url: '/api/contacts', payload: { name: 'Shallow', attributes: { plan: { tier: ['gold'] } } } });
    expect(contact.status).toBe(201);
    const patched = await call(t.app, a, {
      method: 'PATCH',
      url: `/api/contacts/${contact.body.contact.id}`,
      payload: deep.replace('"name":"x",', ''),
      headers: { 'content-type': 'application/json' },
    });
    expectError(patched, 400, 'too_deep');
    // Brackets inside strings are text, not nesting.
    const text = await call(t.app, a, { method: 'POST', url: '/api/contacts', payload: { name: '['.repeat(150), attributes: { note: '{'.repeat(5_000) } } });
    expect(text.status).toBe(201);
  });
});

describe.each(await databaseKinds())('rate limits behind proxies on %s', (kind) => {
  const LIMIT = 3;
  let direct: TestApp;
  let proxied: TestApp;
  let victim: string;

  beforeAll(async () => {
    direct = await createTestApp(kind, { LOGIN_RATE_LIMIT: String(LIMIT) });
    // Behind nginx on 10.0.0.5: only its X-Forwarded-For is believed.
    proxied = await createTestApp(kind, { LOGIN_RATE_LIMIT: String(LIMIT), TRUST_PROXY: '10.0.0.0/24' });
    victim = (await call(direct.app, await registerAccount(direct.app, 'Limits'), { method: 'GET', url: '/api/auth/me' })).body.user.email;
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  const login = (app: TestApp, email: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'wrong password' }, headers, remoteAddress });

  it('finding 3: a forged X-Forwarded-For from a client that is not a trusted proxy changes nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT; i++) statuses.push((await login(direct, victim, { 'x-forwarded-for': `203.0.113.${i + 1}` }, '198.51.100.7')).statusCode);
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual(Array(LIMIT).fill(429));
  });

  it('finding 3: spaces and case in the e-mail share one budget', async () => {
    const statuses: number[] = [];
    for (const variant of [victim, ` ${victim}`, `  ${victim.toUpperCase()}`, `${victim}\t`, ` ${victim} `]) {
      statuses.push((await login(direct, variant, {}, '198.51.100.8')).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('finding 3: one client spraying many e-mails is limited too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT + 2; i++) statuses.push((await login(direct, address(`spray${i}`), {}, '198.51.100.9')).statusCode);
    expect(statuses.slice(0, 2 * LIMIT)).toEqual(Array(2 * LIMIT).fill(401));
    expect(statuses.slice(2 * LIMIT)).toEqual([429, 429]);
    const limited = await login(direct, address('spray-last'), {}, '198.51.100.9');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited', requestId: expect.any(String) });
    // Another client is not affected.
    expect((await login(direct, address('other-client'), {}, '198.51.100.10')).statusCode).toBe(401);
  });

  it('finding 3: registration is limited per client, whatever the e-mails', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3 * LIMIT + 1; i++) {
      const response = await direct.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        remoteAddress: '198.51.100.11',
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        payload: { accountName: 'Many', name: 'Many', email: address(`many${i}`), password: 'a long enough password' },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 3 * LIMIT)).toEqual(Array(3 * LIMIT).fill(201));
    expect(statuses.at(-1)).toBe(429);
  });

  it("behind a trusted proxy, each client's forwarded address has its own budget", async () => {
    const email = address('proxied');
    for (let i = 0; i < LIMIT; i++) expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.50' }, '10.0.0.5')).statusCode).toBe(401);
    expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.50' }, '10.0.0.5')).statusCode).toBe(429);
    // Another client behind the same proxy is not locked out by the first.
    expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.51' }, '10.0.0.5')).statusCode).toBe(401);
    // A client prepending a forged address gets the address the proxy saw, not the forged one.
    expect((await login(proxied, email, { 'x-forwarded-for': '192.0.2.1, 203.0.113.50' }, '10.0.0.5')).statusCode).toBe(429);
    // The header from a connection that is not the proxy is ignored: that client is itself.
    expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.52' }, '198.51.100.12')).statusCode).toBe(401);
    expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.53' }, '198.51.100.12')).statusCode).toBe(401);
    expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.54' }, '198.51.100.12')).statusCode).toBe(401);
    expect((await login(proxied, email, { 'x-forwarded-for': '203.0.113.55' }, '198.51.100.12')).statusCode).toBe(429);
  });
});

const withPostgres = (await databaseKinds()).includes('postgres');

describe('finding 8: terminated Postgres connections', () => {
  it("recognises pg's errors for a client whose connection died as the database being unavailable", () => {
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Failed query: select 1'), { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('duplicate key value violates unique constraint'))).toBe(false);
  });

  describe.runIf(withPostgres)('under load', () => {
    let t: TestApp;
    let admin: Session;
    beforeAll(async () => {
      t = await createTestApp('postgres');
      admin = await registerAccount(t.app, 'Terminated Under Load');
    });
    afterAll(() => t?.close());

    it('answers 400 requests with 200 or 503 while backends are terminated, never 500', async () => {
      const killer = new pg.Client({ connectionString: ADMIN_URL });
      await killer.connect();
      const database = new URL(t.url!).pathname.slice(1);
      const statuses = new Map<number, number>();
      try {
        for (let round = 0; round < 20; round++) {
          const requests = Array.from({ length: 20 }, (_, i) =>
            call(t.app, admin, i % 2 ? { method: 'GET', url: '/api/conversations' } : { method: 'GET', url: '/api/auth/me' }),
          );
          const killed = killer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
          for (const response of await Promise.all(requests)) {
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status !== 200) expectError(response, 503, 'service_unavailable');
          }
          await killed;
        }
      } finally {
        await killer.end();
      }
      expect(
        [...statuses.keys()].every((status) => status === 200 || status === 503),
        JSON.stringify([...statuses]),
      ).toBe(true);
      expect(statuses.get(200)).toBeGreaterThan(0);
    });
  });
});
