import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { call, createTestApp, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { bearer, decodeJwt, expectError, signHs256 } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';

const PASSWORD = 'correct horse battery';
let unique = 0;
const email = (tag: string) => `${tag}.${++unique}.${process.pid}.${Date.now()}@example.com`;

describe.each(await databaseKinds())('auth on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t?.close());

  const register = (body: Record<string, unknown>) => call(t.app, undefined, { method: 'POST', url: '/api/auth/register', payload: body });
  const login = (body: Record<string, unknown>) => call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: body });
  const me = (token: string) => call(t.app, undefined, { method: 'GET', url: '/api/auth/me', headers: bearer(token) });
  /** As the database owner, outside the app: what is really stored. */
  const countAccounts = async () => Number((await queryRows<{ n: string | number }>(t.database.db, sql`select count(*) as n from accounts`))[0]!.n);
  const asSession = (body: any): Session => ({
    token: body.token,
    accountId: body.account.id,
    userId: body.user.id,
    auth: bearer(body.token),
  });

  describe('registration and login', () => {
    const address = email('Owner');

    it('registers an account with its administrator and a working token', async () => {
      const registered = await register({ accountName: '  Fjord Outfitters ', name: 'Olga Owner', email: address, password: PASSWORD });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({
        token: expect.any(String),
        user: { id: expect.any(Number), name: 'Olga Owner', email: address.toLowerCase() },
        account: { id: expect.any(Number), name: 'Fjord Outfitters', role: 'administrator' },
      });
      expect(registered.body.accounts).toEqual([registered.body.account]);

      const who = await me(registered.body.token);
      expect(who.status).toBe(200);
      expect(who.body.user).toMatchObject({ id: registered.body.user.id, email: address.toLowerCase() });
      expect(who.body.account).toEqual(registered.body.account);
      // The configured lifetime (12h by default) is in the token.
      const claims = decodeJwt(registered.body.token);
      expect(claims.exp - claims.iat).toBe(12 * 3600);
      expect(claims).toMatchObject({ sub: String(registered.body.user.id), acc: registered.body.account.id, sid: expect.any(String) });
    });

    it('answers a registered e-mail with another password like a failed login, creating nothing (finding 10)', async () => {
      const before = await countAccounts();
      for (const variant of [address, address.toUpperCase(), address.replace('Owner', 'oWNER')]) {
        const again = await register({ accountName: 'Copycat', name: 'Copy', email: variant, password: 'another password' });
        expectError(again, 401, 'invalid_credentials', variant);
        expect(again.body.error.message).toBe('E-mail or password is incorrect');
      }
      expect(await countAccounts()).toBe(before);
      const session = await login({ email: address, password: PASSWORD });
      expect(session.body.accounts).toHaveLength(1);
      expect(session.body.accounts[0].name).toBe('Fjord Outfitters');
    });

    it("creates another account for a registered e-mail when the password is the login's own", async () => {
      const second = await register({ accountName: 'Fjord Rentals', name: 'Ignored', email: address.toUpperCase(), password: PASSWORD });
      expect(second.status).toBe(201);
      expect(second.body.account).toMatchObject({ name: 'Fjord Rentals', role: 'administrator' });
      expect(second.body.user.name).toBe('Olga Owner');
      expect(second.body.accounts.map((account: { name: string }) => account.name)).toEqual(['Fjord Outfitters', 'Fjord Rentals']);
    });

    it('logs in with the password, whatever the e-mail case', async () => {
      const ok = await login({ email: address.toUpperCase(), password: PASSWORD });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ user: { email: address.toLowerCase() }, account: { name: 'Fjord Outfitters', role: 'administrator' } });
      expect((await me(ok.body.token)).status).toBe(200);
    });

    it('answers a wrong password and an unknown e-mail alike', async () => {
      const wrong = await login({ email: address, password: 'not the password' });
      const unknown = await login({ email: email('nobody'), password: PASSWORD });
      expectError(wrong, 401, 'invalid_credentials');
      expectError(unknown, 401, 'invalid_credentials');
      expect(wrong.body.error.message).toBe(unknown.body.error.message);
      expect(wrong.body.error.message).not.toMatch(/exist|unknown|no such|not found/i);
    });

    it('never stores or returns the password in plain text', async () => {
      const [row] = await queryRows<{ password_hash: string }>(t.database.db, sql`select password_hash from users where lower(email) = lower(${address})`);
      expect(row!.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(row!.password_hash).not.toContain(PASSWORD);
      const responses = [
        await login({ email: address, password: PASSWORD }),
        await register({ accountName: 'Leaky', name: 'Leaky', email: email('leaky'), password: PASSWORD }),
      ];
      const session = responses[0]!.body;
      responses.push(await me(session.token));
      responses.push(await call(t.app, undefined, { method: 'GET', url: '/api/agents', headers: bearer(session.token) }));
      for (const response of responses) {
        expect(response.status).toBeLessThan(300);
        const text = JSON.stringify(response.body);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toMatch(/password|scrypt/i);
      }
    });

    it('validates registration input', async () => {
      const before = await countAccounts();
      for (const body of [
        { accountName: 'X', name: 'X', email: 'not-an-email', password: PASSWORD },
        { accountName: 'X', name: 'X', email: email('short'), password: 'short' },
        { accountName: '', name: 'X', email: email('blank'), password: PASSWORD },
        { accountName: 'X', name: 'X', email: email('extra'), password: PASSWORD, role: 'superuser' },
      ]) {
        expectError(await register(body), 400, 'validation_error', JSON.stringify(body));
      }
      expect(await countAccounts()).toBe(before);
    });
  });

  describe('tokens', () => {
    let admin: Session;
    beforeAll(async () => {
      admin = await registerAccount(t.app, 'Token Test');
    });
    const protectedCall = (headers: Record<string, string>) => call(t.app, undefined, { method: 'GET', url: '/api/conversations', headers });

    it('accepts the issued token', async () => {
      expect((await protectedCall(admin.auth)).status).toBe(200);
    });

    it('answers a missing token with 401', async () => {
      expectError(await protectedCall({}), 401, 'unauthorized');
      expectError(await protectedCall({ authorization: 'Basic dXNlcjpwYXNz' }), 401);
      expectError(await protectedCall({ authorization: 'Bearer' }), 401);
    });

    it('answers a forged or garbled token with 401 invalid_token', async () => {
      const claims = decodeJwt(admin.token);
      // The same claims with the right secret are accepted, so only the signature is at fault.
      expect((await protectedCall(bearer(signHs256(claims, TEST_JWT_SECRET)))).status).toBe(200);
      expectError(await protectedCall(bearer(signHs256(claims, 'another-secret-that-is-long-enough-0123456789'))), 401, 'invalid_token');
      expectError(await protectedCall(bearer('garbage')), 401, 'invalid_token');
      expectError(await protectedCall(bearer('a.b.c')), 401, 'invalid_token');
      const [head, , signature] = admin.token.split('.');
      const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, acc: admin.accountId + 1 })).toString('base64url')}.${signature}`;
      expectError(await protectedCall(bearer(tampered)), 401, 'invalid_token');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
      expectError(await protectedCall(bearer(none)), 401, 'invalid_token');
      // Well signed but not a session token's claims: no user, no session, no expiry.
      expectError(await protectedCall(bearer(signHs256({ ...claims, sub: 'abc' }, TEST_JWT_SECRET))), 401, 'invalid_token');
      const { sid: _, ...withoutSession } = claims;
      expectError(await protectedCall(bearer(signHs256(withoutSession, TEST_JWT_SECRET))), 401, 'invalid_token');
      const { exp: __, ...withoutExpiry } = claims;
      expectError(await protectedCall(bearer(signHs256(withoutExpiry, TEST_JWT_SECRET))), 401, 'invalid_token');
      // A session id that was never issued.
      expectError(await protectedCall(bearer(signHs256({ ...claims, sid: '00000000-0000-4000-8000-000000000000' }, TEST_JWT_SECRET))), 401, 'session_ended');
    });

    it('answers an expired token with 401 token_expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = signHs256({ sub: String(admin.userId), acc: admin.accountId, iat: now - 120, exp: now - 60 }, TEST_JWT_SECRET);
      expectError(await protectedCall(bearer(expired)), 401, 'token_expired');
      expectError(await me(expired), 401, 'token_expired');
    });

    it('ends a session when it expires, whatever the token says', async () => {
      const session = asSession((await login({ email: (await me(admin.token)).body.user.email, password: PASSWORD })).body);
      expect((await protectedCall(session.auth)).status).toBe(200);
      await queryRows(t.database.db, sql`update user_sessions set expires_at = now() - interval '1 second' where id = ${decodeJwt(session.token).sid}`);
      expectError(await protectedCall(session.auth), 401, 'session_ended');
      expect((await protectedCall(admin.auth)).status).toBe(200);
    });

    it('does not accept an invitation token as a session', async () => {
      const invited = await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Ivan Invited', email: email('ivan') } });
      expect(invited.status).toBe(201);
      expectError(await protectedCall(bearer(invited.body.invitationToken)), 401, 'invalid_token');
      expectError(await me(invited.body.invitationToken), 401, 'invalid_token');
    });
  });

  describe('invitations', () => {
    let admin: Session;
    const address = email('invitee');
    let invitationToken: string;
    let invitationId: number;
    const accept = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      call(t.app, undefined, { method: 'POST', url: '/api/auth/accept-invitation', payload, headers });

    beforeAll(async () => {
      admin = await registerAccount(t.app, 'Inviting Co');
    });

    it('invites a person without a password: a pending invitation, not yet an agent', async () => {
      const invited = await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Ines Invitee', email: address } });
      expect(invited.status).toBe(201);
      expect(invited.body.invitation).toMatchObject({ name: 'Ines Invitee', email: address.toLowerCase(), role: 'agent', expiresAt: expect.any(String) });
      expect(invited.body.invitationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(invited.body.agent).toBeUndefined();
      invitationToken = invited.body.invitationToken;
      invitationId = invited.body.invitation.id;
      const agents = await call(t.app, admin, { method: 'GET', url: '/api/agents' });
      expect(agents.body.data.map((agent: { email: string }) => agent.email)).not.toContain(address.toLowerCase());
      const pending = await call(t.app, admin, { method: 'GET', url: '/api/agents/invitations' });
      expect(pending.body.data).toEqual([invited.body.invitation]);
      // Only its hash is stored.
      const stored = await queryRows<{ token_hash: string }>(t.database.db, sql`select token_hash from invitations where id = ${invitationId}`);
      expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0]!.token_hash).not.toContain(invitationToken);
    });

    it('refuses to log in before the invitation is accepted', async () => {
      expectError(await login({ email: address, password: PASSWORD }), 401, 'invalid_credentials');
      expectError(await login({ email: address, password: '' }), 400, 'validation_error');
    });

    it('refuses a wrong, forged or weak acceptance', async () => {
      for (const token of ['garbage', invitationToken.slice(0, -1) + (invitationToken.endsWith('A') ? 'B' : 'A')]) {
        expectError(await accept({ token, password: 'whatever password 1' }), 400, 'invalid_invitation');
      }
      expectError(await accept({ token: invitationToken }), 422, 'password_required');
      const weak = await accept({ token: invitationToken, password: '1234567890' });
      expectError(weak, 422, 'weak_password');
      expect(weak.body.error.details).toEqual([{ field: 'body.password', message: expect.stringMatching(/common/) }]);
    });

    it('accepts the invitation once with a new password, then the agent logs in', async () => {
      const accepted = await accept({ token: invitationToken, password: 'my new password' });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ user: { email: address.toLowerCase(), name: 'Ines Invitee' }, account: { id: admin.accountId, role: 'agent' } });
      expect((await me(accepted.body.token)).status).toBe(200);
      expectError(await accept({ token: invitationToken, password: 'hijacked password' }), 400, 'invalid_invitation');
      expect((await login({ email: address, password: 'my new password' })).status).toBe(200);
      expectError(await login({ email: address, password: 'hijacked password' }), 401, 'invalid_credentials');
      const agent = await call(t.app, admin, { method: 'GET', url: `/api/agents/${accepted.body.user.id}` });
      expect(agent.body.agent).toMatchObject({ email: address.toLowerCase(), role: 'agent' });
      expect((await call(t.app, admin, { method: 'GET', url: '/api/agents/invitations' })).body.data).toEqual([]);
    });

    it('revokes and renews invitations: only the newest token of a pending one works', async () => {
      const target = email('renewed');
      const first = await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Rene', email: target } });
      const renewed = await call(t.app, admin, { method: 'POST', url: `/api/agents/invitations/${first.body.invitation.id}/renew` });
      expect(renewed.status).toBe(200);
      expect(renewed.body.invitationToken).not.toBe(first.body.invitationToken);
      expectError(await accept({ token: first.body.invitationToken, password: 'renewed password 1' }), 400, 'invalid_invitation');
      // Inviting the same e-mail again replaces the pending invitation.
      const again = await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Rene', email: target.toUpperCase() } });
      expectError(await accept({ token: renewed.body.invitationToken, password: 'renewed password 1' }), 400, 'invalid_invitation');
      const revoked = await call(t.app, admin, { method: 'DELETE', url: `/api/agents/invitations/${again.body.invitation.id}` });
      expect(revoked.status).toBe(204);
      expectError(await accept({ token: again.body.invitationToken, password: 'renewed password 1' }), 400, 'invalid_invitation');
      expectError(await call(t.app, admin, { method: 'DELETE', url: `/api/agents/invitations/${again.body.invitation.id}` }), 404, 'not_found');
    });

    it('refuses an expired invitation', async () => {
      const invited = await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Late', email: email('late') } });
      await queryRows(t.database.db, sql`update invitations set expires_at = now() - interval '1 second' where id = ${invited.body.invitation.id}`);
      expectError(await accept({ token: invited.body.invitationToken, password: 'late password 1' }), 400, 'invalid_invitation');
    });

    it('keeps invitations to administrators of the account', async () => {
      const agent = asSession((await login({ email: address, password: 'my new password' })).body);
      expectError(await call(t.app, agent, { method: 'GET', url: '/api/agents/invitations' }), 403, 'forbidden');
      expectError(await call(t.app, agent, { method: 'POST', url: '/api/agents', payload: { name: 'X', email: email('x') } }), 403, 'forbidden');
    });
  });

  describe('several accounts', () => {
    let first: Session;
    let second: Session;
    let stranger: Session;
    const address = email('multi');

    beforeAll(async () => {
      const registered = await register({ accountName: 'First Account', name: 'Mia Multi', email: address, password: PASSWORD });
      first = asSession(registered.body);
      second = await registerAccount(t.app, 'Second Account');
      stranger = await registerAccount(t.app, 'Stranger Account');
    });

    it('invites an existing user, who joins only by accepting while signed in as themselves', async () => {
      const invited = await call(t.app, second, { method: 'POST', url: '/api/agents', payload: { name: 'Ignored Name', email: address.toUpperCase() } });
      expect(invited.status).toBe(201);
      expect(Object.keys(invited.body).sort()).toEqual(['invitation', 'invitationToken']);
      expect((await login({ email: address, password: PASSWORD })).body.accounts).toHaveLength(1);
      // Someone else signed in cannot use it, nor can a wrong password.
      const accept = (headers: Record<string, string>, payload: Record<string, unknown> = {}) =>
        call(t.app, undefined, { method: 'POST', url: '/api/auth/accept-invitation', headers, payload: { token: invited.body.invitationToken, ...payload } });
      expectError(await accept(stranger.auth), 403, 'forbidden');
      expectError(await accept({}, { password: 'not her password' }), 401, 'invalid_credentials');
      const joined = await accept(first.auth);
      expect(joined.status).toBe(200);
      expect(joined.body).toMatchObject({ user: { id: first.userId, name: 'Mia Multi' }, account: { id: second.accountId, role: 'agent' } });
      const twice = await call(t.app, second, { method: 'POST', url: '/api/agents', payload: { name: 'Mia', email: address } });
      expectError(twice, 409, 'already_member');
    });

    it('logs in to either account and lists both', async () => {
      const plain = await login({ email: address, password: PASSWORD });
      expect(plain.status).toBe(200);
      expect(plain.body.account.id).toBe(first.accountId);
      expect(plain.body.accounts.map((a: { id: number }) => a.id).sort()).toEqual([first.accountId, second.accountId].sort());

      const intoSecond = await login({ email: address, password: PASSWORD, accountId: second.accountId });
      expect(intoSecond.status).toBe(200);
      expect(intoSecond.body.account).toEqual({ id: second.accountId, name: 'Second Account', role: 'agent' });
      const who = await me(intoSecond.body.token);
      expect(who.body.account.id).toBe(second.accountId);
      expect(who.body.accounts).toHaveLength(2);

      const intoFirst = await login({ email: address, password: PASSWORD, accountId: first.accountId });
      expect(intoFirst.body.account).toMatchObject({ id: first.accountId, role: 'administrator' });
    });

    it('refuses an account the user is not in with 403', async () => {
      expectError(await login({ email: address, password: PASSWORD, accountId: stranger.accountId }), 403, 'forbidden');
      expectError(await login({ email: address, password: PASSWORD, accountId: 2_000_000_000 }), 403, 'forbidden');
      // A wrong password is still a 401, so the 403 reveals nothing to a guesser.
      expectError(await login({ email: address, password: 'wrong password', accountId: stranger.accountId }), 401, 'invalid_credentials');
      const switched = await call(t.app, first, { method: 'POST', url: '/api/auth/switch-account', payload: { accountId: stranger.accountId } });
      expectError(switched, 403, 'forbidden');
    });

    it('switches accounts with a new token', async () => {
      const switched = await call(t.app, first, { method: 'POST', url: '/api/auth/switch-account', payload: { accountId: second.accountId } });
      expect(switched.status).toBe(200);
      expect(switched.body.account).toMatchObject({ id: second.accountId, role: 'agent' });
      expect(decodeJwt(switched.body.token).acc).toBe(second.accountId);
      const who = await me(switched.body.token);
      expect(who.body.account.id).toBe(second.accountId);
      // As an agent of the second account, administration is refused there.
      const asAgent = await call(t.app, undefined, {
        method: 'POST',
        url: '/api/teams',
        headers: bearer(switched.body.token),
        payload: { name: 'Not allowed' },
      });
      expectError(asAgent, 403, 'forbidden');
    });

    it("leaves a shared user's name and password to the user: no administrator changes them", async () => {
      const byAdmin = await call(t.app, second, { method: 'PATCH', url: `/api/agents/${first.userId}`, payload: { name: 'Hijacked' } });
      expectError(byAdmin, 400, 'validation_error');
      const renamed = await call(t.app, first, { method: 'PATCH', url: '/api/auth/me', payload: { name: 'Mia M.' } });
      expect(renamed.status).toBe(200);
      expect(renamed.body.user.name).toBe('Mia M.');
      const seenBySecond = await call(t.app, second, { method: 'GET', url: `/api/agents/${first.userId}` });
      expect(seenBySecond.body.agent.name).toBe('Mia M.');
      expectError(await call(t.app, first, { method: 'PATCH', url: '/api/auth/me', payload: {} }), 400, 'validation_error');
    });

    it('stops accepting a token of an account the user was removed from', async () => {
      const token = (await login({ email: address, password: PASSWORD, accountId: second.accountId })).body.token;
      const removed = await call(t.app, second, { method: 'DELETE', url: `/api/agents/${first.userId}` });
      expect(removed.status).toBe(204);
      expectError(await me(token), 401, 'session_ended');
      expectError(await login({ email: address, password: PASSWORD, accountId: second.accountId }), 403, 'forbidden');
      expect((await login({ email: address, password: PASSWORD })).body.accounts).toHaveLength(1);
    });
  });

  describe('administrators', () => {
    it('keeps the last administrator from being demoted or removed', async () => {
      const admin = await registerAccount(t.app, 'Lonely Admin');
      const demote = await call(t.app, admin, { method: 'PATCH', url: `/api/agents/${admin.userId}`, payload: { role: 'agent' } });
      expectError(demote, 422, 'last_administrator');
      const remove = await call(t.app, admin, { method: 'DELETE', url: `/api/agents/${admin.userId}` });
      expectError(remove, 422, 'last_administrator');
      expect((await call(t.app, admin, { method: 'GET', url: `/api/agents/${admin.userId}` })).body.agent.role).toBe('administrator');

      // With a second administrator, the first may step down.
      const other = await call(t.app, admin, {
        method: 'POST',
        url: '/api/agents',
        payload: { name: 'Second Admin', email: email('second-admin'), role: 'administrator', password: PASSWORD },
      });
      expect(other.status).toBe(201);
      const stepDown = await call(t.app, admin, { method: 'PATCH', url: `/api/agents/${admin.userId}`, payload: { role: 'agent' } });
      expect(stepDown.status).toBe(200);
      expect(stepDown.body.agent.role).toBe('agent');
      // Now the other one is the last administrator.
      const otherSession = asSession((await login({ email: other.body.agent.email, password: PASSWORD })).body);
      expectError(await call(t.app, otherSession, { method: 'DELETE', url: `/api/agents/${otherSession.userId}` }), 422, 'last_administrator');
    });
  });
});

describe.each(await databaseKinds())('login rate limit on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { LOGIN_RATE_LIMIT: '3' });
  });
  afterAll(() => t?.close());

  const login = (address: string, password: string) =>
    call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email: address, password } });

  it('refuses the fourth attempt for the same e-mail within a minute with 429', async () => {
    const admin = await registerAccount(t.app, 'Rate Limited');
    const who = await call(t.app, admin, { method: 'GET', url: '/api/auth/me' });
    const address: string = who.body.user.email;
    for (let attempt = 1; attempt <= 3; attempt++) {
      expectError(await login(address, `wrong ${attempt}`), 401, 'invalid_credentials', `attempt ${attempt}`);
    }
    const limited = await login(address, 'wrong 4');
    expectError(limited, 429, 'rate_limited');
    // Even the right password waits: the limit is on attempts, not failures.
    expectError(await login(address.toUpperCase(), 'correct horse battery'), 429, 'rate_limited');
    // Another e-mail from the same client is not locked out.
    expectError(await login(`someone.else.${Date.now()}@example.com`, 'wrong'), 401, 'invalid_credentials');
  });
});
