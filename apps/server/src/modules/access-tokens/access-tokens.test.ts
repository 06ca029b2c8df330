/**
 * Access tokens through the real app on Postgres and PGlite: an administrator's integration
 * token is shown once and stored hashed, works on the agent API as its creator (read tokens
 * only read), stops at once when revoked, expired or its creator leaves, has its own rate
 * limit, never reaches another account, and cannot do what only a signed-in person does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { accessTokens } from '../../db/schema.js';
import { FAILED_ACCESS_TOKENS_PER_MINUTE } from '../../platform/auth.js';
import { runAsApp } from '../../platform/tenancy.js';
import { buildTestApp, call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { bearer, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, openFeed, refused } from '../../test-support/sockets.js';

const PASSWORD = 'correct horse battery';
const TOKEN = /^hd_at_[A-Za-z0-9_-]{43}$/;
let unique = 0;
const email = (tag: string) => `${tag}.${++unique}.${process.pid}.${Date.now()}@example.com`;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe.each(await databaseKinds())('access tokens on %s', (kind) => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await registerAccount(t.app, 'Token Co');
  });
  afterAll(() => t?.close());

  /** A token's session-like handle for `call`. */
  const asToken = (token: string, of: Session): Session => ({ ...of, token, auth: bearer(token) });
  const create = (session: Session, payload: Record<string, unknown>) => call(t.app, session, { method: 'POST', url: '/api/access-tokens', payload });
  async function newToken(session: Session, payload: Record<string, unknown> = {}) {
    const created = await create(session, { name: 'Integration', scope: 'write', ...payload });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { ...created.body, as: asToken(created.body.token, session) } as { accessToken: any; token: string; as: Session };
  }
  const list = async (session: Session) => {
    const answer = await call(t.app, session, { method: 'GET', url: '/api/access-tokens' });
    expect(answer.status).toBe(200);
    return answer.body.data as any[];
  };
  /** What is stored, as the database owner sees it. */
  const storedRows = (accountId: number) =>
    queryRows<Record<string, unknown>>(t.database.db, sql`select * from access_tokens where account_id = ${accountId} order by id`);
  const conversationCount = async (accountId: number) =>
    (await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from conversations where account_id = ${accountId}`))[0]!.n;
  const openConversation = (session: Session, content = 'Where is my order?') =>
    call(t.app, session, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Cora Customer', email: email('cora') }, message: { content } },
    });
  /** A second administrator of the admin's account, signed in. */
  async function otherAdministrator(tag: string): Promise<Session> {
    const address = email(tag);
    const added = await call(t.app, admin, {
      method: 'POST',
      url: '/api/agents',
      payload: { name: `Admin ${tag}`, email: address, password: PASSWORD, role: 'administrator' },
    });
    expect(added.status).toBe(201);
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email: address, password: PASSWORD } });
    return { token: login.body.token, accountId: admin.accountId, userId: added.body.agent.id, auth: bearer(login.body.token) };
  }

  it('creates a token shown once and stored hashed; the list never shows it', async () => {
    const created = await create(admin, { name: '  Order sync  ', scope: 'write' });
    expect(created.status).toBe(201);
    const { accessToken, token } = created.body;
    expect(token).toMatch(TOKEN);
    expect(accessToken).toEqual({
      id: expect.any(Number),
      name: 'Order sync',
      scope: 'write',
      hint: token.slice(-4),
      createdBy: { id: admin.userId, name: expect.any(String) },
      expiresAt: null,
      lastUsedAt: null,
      createdAt: expect.any(String),
    });

    const [row] = (await storedRows(admin.accountId)).filter((stored) => stored.id === accessToken.id);
    expect(row!.token_hash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token.slice('hd_at_'.length));

    const listed = await call(t.app, admin, { method: 'GET', url: '/api/access-tokens' });
    expect(listed.body.data).toContainEqual(accessToken);
    expect(JSON.stringify(listed.body)).not.toContain(token.slice('hd_at_'.length));
    expect(JSON.stringify(listed.body)).not.toContain(sha256(token));
  });

  it('works on the agent API as its creator: reads, opens a conversation and replies', async () => {
    const { accessToken, as } = await newToken(admin, { name: 'Helpdesk bridge' });
    const opened = await openConversation(as);
    expect(opened.status).toBe(201);
    const conversationId = opened.body.conversation.id;
    const listed = await call(t.app, as, { method: 'GET', url: '/api/conversations' });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((conversation: { id: number }) => conversation.id)).toContain(conversationId);

    const reply = await call(t.app, as, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'On its way!' } });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({ content: 'On its way!', messageType: 'outgoing', sender: { type: 'user', id: admin.userId } });
    // The signed-in administrator sees the reply like any other.
    const messages = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/messages` });
    expect(messages.body.data.map((message: { content: string }) => message.content)).toContain('On its way!');

    // Its use is recorded, to the minute: the requests since did not write it again.
    const used = (await list(admin)).find((one) => one.id === accessToken.id);
    expect(used.lastUsedAt).not.toBeNull();
    expect(Date.parse(used.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(accessToken.createdAt));
    const [before] = await queryRows<{ last_used_at: unknown }>(t.database.db, sql`select last_used_at from access_tokens where id = ${accessToken.id}`);
    expect((await call(t.app, as, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
    const [after] = await queryRows<{ last_used_at: unknown }>(t.database.db, sql`select last_used_at from access_tokens where id = ${accessToken.id}`);
    expect(after).toEqual(before);
  });

  it("answers /api/auth/me with its creator and only the token's account", async () => {
    const address = email('multi');
    const first = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/register',
      payload: { accountName: 'First', name: 'Mia Multi', email: address, password: PASSWORD },
    });
    const second = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/register',
      payload: { accountName: 'Second', name: 'Mia Multi', email: address, password: PASSWORD },
    });
    expect(second.body.accounts).toHaveLength(2);
    const owner: Session = { token: first.body.token, accountId: first.body.account.id, userId: first.body.user.id, auth: bearer(first.body.token) };
    const { as } = await newToken(owner, { scope: 'read' });
    const me = await call(t.app, as, { method: 'GET', url: '/api/auth/me' });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user: expect.objectContaining({ id: owner.userId, name: 'Mia Multi' }),
      account: { id: owner.accountId, name: 'First', role: 'administrator' },
      accounts: [{ id: owner.accountId, name: 'First', role: 'administrator' }],
    });
  });

  it('lets a read token only read: every other method is 403 insufficient_scope and writes nothing', async () => {
    const { as } = await newToken(admin, { name: 'Dashboard', scope: 'read' });
    expect((await call(t.app, as, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
    expect((await call(t.app, as, { method: 'HEAD', url: '/api/labels' })).status).toBe(200);
    const before = await conversationCount(admin.accountId);

    expectError(await openConversation(as), 403, 'insufficient_scope');
    expectError(await call(t.app, as, { method: 'POST', url: '/api/labels', payload: { title: 'from-read-token' } }), 403, 'insufficient_scope');
    expectError(await call(t.app, as, { method: 'PATCH', url: '/api/account', payload: { name: 'Renamed' } }), 403, 'insufficient_scope');
    expectError(await call(t.app, as, { method: 'DELETE', url: '/api/labels/1' }), 403, 'insufficient_scope');
    expectError(await call(t.app, as, { method: 'POST', url: '/api/ai/classify', payload: { text: 'hello' } }), 403, 'insufficient_scope');

    expect(await conversationCount(admin.accountId)).toBe(before);
    expect((await call(t.app, admin, { method: 'GET', url: '/api/labels' })).body.data).toEqual([]);
    expect((await call(t.app, admin, { method: 'GET', url: '/api/account' })).body.account.name).toBe('Token Co');
  });

  it('stops a revoked token at once; revoking it again is 404', async () => {
    const { accessToken, as } = await newToken(admin, { name: 'Short-lived' });
    expect((await call(t.app, as, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
    expect((await call(t.app, admin, { method: 'DELETE', url: `/api/access-tokens/${accessToken.id}` })).status).toBe(204);
    expectError(await call(t.app, as, { method: 'GET', url: '/api/conversations' }), 401, 'invalid_token');
    expect((await list(admin)).map((one) => one.id)).not.toContain(accessToken.id);
    expectError(await call(t.app, admin, { method: 'DELETE', url: `/api/access-tokens/${accessToken.id}` }), 404, 'not_found');
  });

  it('stops an expired token, and refuses an expiry in the past', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { accessToken, as } = await newToken(admin, { name: 'Until tomorrow', expiresAt });
    expect(accessToken.expiresAt).toBe(expiresAt);
    expect((await call(t.app, as, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
    // Tomorrow, as the database sees it.
    await t.database.db.execute(sql`update access_tokens set expires_at = now() - interval '1 second' where id = ${accessToken.id}`);
    expectError(await call(t.app, as, { method: 'GET', url: '/api/conversations' }), 401, 'token_expired');

    const countBefore = (await storedRows(admin.accountId)).length;
    const past = await create(admin, { name: 'Yesterday', scope: 'read', expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expectError(past, 422, 'invalid_expiry');
    expect(past.body.error.details).toEqual([{ field: 'body.expiresAt', message: 'The expiry must be in the future' }]);
    expect((await storedRows(admin.accountId)).length).toBe(countBefore);
  });

  it("ends a creator's tokens when they leave the account, and follows a change of their role", async () => {
    const other = await otherAdministrator('leaver');
    const { as } = await newToken(other, { name: "Leaver's script" });
    expect((await call(t.app, as, { method: 'POST', url: '/api/labels', payload: { title: 'by-leaver' } })).status).toBe(201);

    // Made an agent: the token acts as an agent now.
    expect((await call(t.app, admin, { method: 'PATCH', url: `/api/agents/${other.userId}`, payload: { role: 'agent' } })).status).toBe(200);
    expectError(await call(t.app, as, { method: 'POST', url: '/api/labels', payload: { title: 'by-agent' } }), 403, 'forbidden');
    expect((await call(t.app, as, { method: 'GET', url: '/api/labels' })).status).toBe(200);

    expect((await call(t.app, admin, { method: 'DELETE', url: `/api/agents/${other.userId}` })).status).toBe(204);
    expectError(await call(t.app, as, { method: 'GET', url: '/api/labels' }), 401, 'invalid_token');
    expect((await storedRows(admin.accountId)).filter((row) => row.created_by === other.userId)).toEqual([]);
  });

  it("refuses a token whose creator's membership is gone, whatever removed it", async () => {
    const other = await otherAdministrator('vanished');
    const { as } = await newToken(other, { name: 'Orphan' });
    expect((await call(t.app, as, { method: 'GET', url: '/api/labels' })).status).toBe(200);
    await t.database.db.execute(sql`delete from account_users where account_id = ${admin.accountId} and user_id = ${other.userId}`);
    const refusedAnswer = await call(t.app, as, { method: 'GET', url: '/api/labels' });
    expectError(refusedAnswer, 401, 'invalid_token');
    expect(refusedAnswer.body.error.message).toMatch(/no longer a member/);
  });

  it('answers the routes only a signed-in person uses with 403 session_required, changing nothing', async () => {
    const { accessToken, as } = await newToken(admin, { name: 'Not a person' });
    const colleague = await otherAdministrator('demotee');
    const invited = await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Ivy Invited', email: email('invited') } });
    expect(invited.status).toBe(201);
    const invitation = invited.body.invitation;
    const tokenLogin = email('token-login');
    const tokenInvite = email('token-invite');
    const refusals: [string, string, Record<string, unknown>?][] = [
      ['PATCH', '/api/auth/me', { name: 'Token Name' }],
      ['POST', '/api/auth/logout'],
      ['GET', '/api/auth/sessions'],
      ['DELETE', '/api/auth/sessions/00000000-0000-4000-8000-000000000000'],
      ['POST', '/api/auth/switch-account', { accountId: admin.accountId }],
      ['POST', '/api/auth/accept-invitation', { token: 'a'.repeat(43) }],
      ['POST', '/api/access-tokens', { name: 'Minted by a token', scope: 'write' }],
      ['DELETE', `/api/access-tokens/${accessToken.id}`],
      // Logins and invitations would outlive the token's revocation.
      ['POST', '/api/agents', { name: 'Backdoor', email: tokenLogin, password: PASSWORD, role: 'administrator' }],
      ['POST', '/api/agents', { name: 'Invited by a token', email: tokenInvite, role: 'administrator' }],
      ['PATCH', `/api/agents/${colleague.userId}`, { role: 'agent' }],
      ['POST', `/api/agents/invitations/${invitation.id}/renew`],
      ['DELETE', `/api/agents/invitations/${invitation.id}`],
      // Secrets are an administrator's session's only.
      ['POST', '/api/inboxes/1/rotate-secret'],
      ['POST', '/api/webhooks/1/rotate-secret'],
    ];
    for (const [method, url, payload] of refusals) {
      expectError(await call(t.app, as, { method: method as 'GET', url, ...(payload ? { payload } : {}) }), 403, 'session_required', `${method} ${url}`);
    }
    // The administrator's session and name are untouched, and the token still works.
    const me = await call(t.app, admin, { method: 'GET', url: '/api/auth/me' });
    expect(me.status).toBe(200);
    expect(me.body.user.name).not.toBe('Token Name');
    expect((await list(admin)).map((one) => one.name)).not.toContain('Minted by a token');
    expect((await call(t.app, as, { method: 'GET', url: '/api/access-tokens' })).status).toBe(200);
    // No login, invitation or role change came of it; the invitation is as it was.
    const agents = (await call(t.app, admin, { method: 'GET', url: '/api/agents' })).body.data as { id: number; email: string; role: string }[];
    expect(agents.map((agent) => agent.email)).not.toContain(tokenLogin);
    expect(agents.find((agent) => agent.id === colleague.userId)?.role).toBe('administrator');
    const invitations = (await call(t.app, admin, { method: 'GET', url: '/api/agents/invitations' })).body.data as { email: string }[];
    expect(invitations.map((one) => one.email)).not.toContain(tokenInvite);
    expect(invitations).toContainEqual(invitation);
    expectError(await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email: tokenLogin, password: PASSWORD } }), 401);
  });

  it("never shows an inbox's or a webhook's secret to a token, even an administrator's", async () => {
    const callbackUrl = 'https://93.184.215.14/callback?key=receivers-own';
    const inbox = (
      await call(t.app, admin, { method: 'POST', url: '/api/inboxes', payload: { name: 'API channel', channelType: 'api', settings: { callbackUrl } } })
    ).body.inbox;
    expect(inbox.secret).toMatch(/^[a-f0-9]{64}$/);
    const created = await call(t.app, admin, {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'https://93.184.215.14/hummdesk', events: ['ai.draft'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const webhook = created.body.webhook;
    expect(webhook.secret).toMatch(/^whsec_/);
    const secretsOf = async (session: Session) => ({
      inbox: (await call(t.app, session, { method: 'GET', url: `/api/inboxes/${inbox.id}` })).body.inbox,
      webhook: (await call(t.app, session, { method: 'GET', url: `/api/webhooks/${webhook.id}` })).body.webhook,
    });
    // The signed-in administrator sees both.
    expect(await secretsOf(admin)).toMatchObject({ inbox: { secret: inbox.secret, settings: { callbackUrl } }, webhook: { secret: webhook.secret } });

    for (const scope of ['read', 'write']) {
      const { as } = await newToken(admin, { name: `Reads secrets? (${scope})`, scope });
      for (const url of ['/api/inboxes', `/api/inboxes/${inbox.id}`, '/api/webhooks', `/api/webhooks/${webhook.id}`]) {
        const answer = await call(t.app, as, { method: 'GET', url });
        expect(answer.status, `${scope} ${url}`).toBe(200);
        expect(JSON.stringify(answer.body), `${scope} ${url}`).not.toMatch(/"secret"|whsec_/);
        expect(JSON.stringify(answer.body), `${scope} ${url}`).not.toContain(inbox.secret);
      }
      // The callback URL is an administrator's to configure, with a token too.
      expect((await secretsOf(as)).inbox.settings).toEqual({ callbackUrl });
    }

    // A write token's changes and creations are answered without them too.
    const { as: writer } = await newToken(admin, { name: 'Writes', scope: 'write' });
    const answers = [
      await call(t.app, writer, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { name: 'Renamed API channel' } }),
      await call(t.app, writer, { method: 'POST', url: '/api/inboxes', payload: { name: 'Made by a token', channelType: 'api' } }),
      await call(t.app, writer, { method: 'PATCH', url: `/api/webhooks/${webhook.id}`, payload: { events: ['ai.draft', 'message.created'] } }),
      await call(t.app, writer, { method: 'POST', url: '/api/webhooks', payload: { url: 'https://93.184.215.14/token-made', events: ['ai.draft'] } }),
    ];
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
      expect(JSON.stringify(answer.body)).not.toMatch(/"secret"|whsec_/);
    }
    expectError(await call(t.app, writer, { method: 'POST', url: `/api/inboxes/${inbox.id}/rotate-secret` }), 403, 'session_required');
    expectError(await call(t.app, writer, { method: 'POST', url: `/api/webhooks/${webhook.id}/rotate-secret` }), 403, 'session_required');
    expect(await secretsOf(admin)).toMatchObject({ inbox: { secret: inbox.secret }, webhook: { secret: webhook.secret } });
  });

  it('lets only administrators manage tokens', async () => {
    const address = email('agent');
    await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Arne Agent', email: address, password: PASSWORD } });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email: address, password: PASSWORD } });
    const agent: Session = { token: login.body.token, accountId: admin.accountId, userId: login.body.user.id, auth: bearer(login.body.token) };
    const { accessToken } = await newToken(admin, { name: 'Admin only' });
    expectError(await call(t.app, agent, { method: 'GET', url: '/api/access-tokens' }), 403, 'forbidden');
    expectError(await create(agent, { name: 'Mine', scope: 'read' }), 403, 'forbidden');
    expectError(await call(t.app, agent, { method: 'DELETE', url: `/api/access-tokens/${accessToken.id}` }), 403, 'forbidden');
    expect((await list(admin)).map((one) => one.id)).toContain(accessToken.id);
  });

  describe('between accounts', () => {
    let other: Session;
    let ours: { accessToken: any; as: Session };
    let theirs: { accessToken: any; as: Session };
    let theirConversation: number;

    beforeAll(async () => {
      other = await registerAccount(t.app, 'Other Co');
      ours = await newToken(admin, { name: 'Ours' });
      theirs = await newToken(other, { name: 'Theirs' });
      theirConversation = (await openConversation(other, 'Secret of the other account')).body.conversation.id;
    });

    it("never shows a token another account's data", async () => {
      expectError(await call(t.app, ours.as, { method: 'GET', url: `/api/conversations/${theirConversation}` }), 404, 'not_found');
      expectError(
        await call(t.app, ours.as, { method: 'POST', url: `/api/conversations/${theirConversation}/messages`, payload: { content: 'hi' } }),
        404,
        'not_found',
      );
      const listed = await call(t.app, ours.as, { method: 'GET', url: '/api/conversations?limit=100' });
      expect(listed.body.data.map((conversation: { id: number }) => conversation.id)).not.toContain(theirConversation);
      expect(JSON.stringify(listed.body)).not.toContain('Secret of the other account');
    });

    it("answers another account's token id with 404 and leaves that token working", async () => {
      expectError(await call(t.app, admin, { method: 'DELETE', url: `/api/access-tokens/${theirs.accessToken.id}` }), 404, 'not_found');
      expect((await call(t.app, theirs.as, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
      expect((await list(admin)).map((one) => one.id)).not.toContain(theirs.accessToken.id);
      expect((await list(other)).map((one) => one.id)).toEqual([theirs.accessToken.id]);
    });

    it('shows the application role one token by its hash, and nothing else', async () => {
      const seen = await runAsApp(t.database.db, { lookupAccessToken: sha256(theirs.as.token) }, (tx) => tx.select({ id: accessTokens.id }).from(accessTokens));
      expect(seen).toEqual([{ id: theirs.accessToken.id }]);
      const none = await runAsApp(t.database.db, {}, (tx) => tx.select({ id: accessTokens.id }).from(accessTokens));
      expect(none).toEqual([]);
      // The lookup shows the row, but does not let it be changed.
      const changed = await runAsApp(t.database.db, { lookupAccessToken: sha256(theirs.as.token) }, (tx) =>
        tx.update(accessTokens).set({ scope: 'write', name: 'hijacked' }).where(eq(accessTokens.id, theirs.accessToken.id)).returning({ id: accessTokens.id }),
      );
      expect(changed).toEqual([]);
    });
  });

  describe('hostile input', () => {
    it('refuses bad names, scopes and expiries with 400, storing nothing', async () => {
      const before = (await storedRows(admin.accountId)).length;
      for (const payload of [
        { name: '', scope: 'read' },
        { name: '   ', scope: 'read' },
        { name: 'x'.repeat(101), scope: 'read' },
        { name: 'Fine', scope: 'admin' },
        { name: 'Fine' },
        { scope: 'read' },
        { name: 'Fine', scope: 'read', expiresAt: 'tomorrow' },
        { name: 'Fine', scope: 'read', expiresAt: 1_900_000_000 },
        { name: 'Fine', scope: 'read', accountId: 1 },
        { name: ['Fine'], scope: 'read' },
      ]) {
        expectError(await create(admin, payload), 400, 'validation_error', JSON.stringify(payload));
      }
      expectError(await create(admin, { name: 'nul\u0000byte', scope: 'read' }), 400, 'invalid_text');
      expect((await storedRows(admin.accountId)).length).toBe(before);
      // The longest name is fine.
      const longest = await newToken(admin, { name: 'x'.repeat(100) });
      expect(longest.accessToken.name).toHaveLength(100);
    });

    it('answers garbage and look-alike tokens with 401', async () => {
      const valid = (await newToken(admin, { name: 'Template' })).token;
      const garbage = [
        'hd_at_',
        'hd_at_short',
        `hd_at_${'A'.repeat(43)}`,
        `hd_at_${'A'.repeat(44)}`,
        `hd_at_${'A'.repeat(5000)}`,
        `hd_at_${'%'.repeat(43)}`,
        `${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}`,
        valid.toUpperCase(),
        `x${valid}`,
      ];
      for (const token of garbage) {
        const answer = await call(t.app, undefined, { method: 'GET', url: '/api/conversations', headers: bearer(token) });
        expectError(answer, 401, undefined, token.slice(0, 60));
      }
      // The scheme is case-insensitive, as RFC 7235 says; anything else in the header is not a bearer token.
      expect((await call(t.app, undefined, { method: 'GET', url: '/api/conversations', headers: { authorization: `bearer ${valid}` } })).status).toBe(200);
      expectError(await call(t.app, undefined, { method: 'GET', url: '/api/conversations', headers: { authorization: `Token ${valid}` } }), 401);
      expectError(await call(t.app, undefined, { method: 'GET', url: '/api/conversations', headers: { authorization: `Bearer ${valid} extra` } }), 401);
    });

    it('keeps to 100 tokens an account, also when they are asked for at once', async () => {
      const crowded = await registerAccount(t.app, 'Crowded Co');
      const answers = await Promise.all(Array.from({ length: 104 }, (_, i) => create(crowded, { name: `Token ${i}`, scope: 'read' })));
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(100);
      for (const answer of answers.filter((one) => one.status !== 201)) expectError(answer, 409, 'too_many_tokens');
      expect(await storedRows(crowded.accountId)).toHaveLength(100);
      // Revoking one makes room for another.
      const first = answers.find((answer) => answer.status === 201)!.body.accessToken.id;
      expect((await call(t.app, crowded, { method: 'DELETE', url: `/api/access-tokens/${first}` })).status).toBe(204);
      expect((await create(crowded, { name: 'One more', scope: 'read' })).status).toBe(201);
    }, 60_000);
  });

  describe('rate limit', () => {
    let limited: FastifyInstance;
    beforeAll(async () => {
      limited = await buildTestApp(t.database, { ACCESS_TOKEN_RATE_LIMIT: '3' });
    });
    afterAll(() => limited?.close());

    it('gives each token its own budget a minute, then 429 with Retry-After', async () => {
      const first = await newToken(admin, { name: 'Busy loop', scope: 'read' });
      const second = await newToken(admin, { name: 'Calm', scope: 'read' });
      for (let i = 0; i < 3; i++) expect((await call(limited, first.as, { method: 'GET', url: '/api/labels' })).status).toBe(200);
      const over = await call(limited, first.as, { method: 'GET', url: '/api/labels' });
      expectError(over, 429, 'rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      // Another token and the signed-in administrator are not held back by it.
      expect((await call(limited, second.as, { method: 'GET', url: '/api/labels' })).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await call(limited, admin, { method: 'GET', url: '/api/labels' })).status).toBe(200);
    });
  });

  describe('unknown tokens', () => {
    const from = (remoteAddress: string, token: string) => call(t.app, undefined, { method: 'GET', url: '/api/labels', remoteAddress, headers: bearer(token) });
    const madeUp = () => `hd_at_${randomBytes(32).toString('base64url')}`;

    it(`refuses a client address after ${FAILED_ACCESS_TOKENS_PER_MINUTE} unknown tokens a minute, before looking any up`, async () => {
      const { token } = await newToken(admin, { name: 'Neighbour', scope: 'read' });
      // Each made-up token would have its own budget: the address's failures are counted instead.
      for (let i = 0; i < FAILED_ACCESS_TOKENS_PER_MINUTE; i++) expectError(await from('203.0.113.7', madeUp()), 401, 'invalid_token');
      const over = await from('203.0.113.7', madeUp());
      expectError(over, 429, 'rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      // Refused before the lookup: a working token from that address waits too.
      expectError(await from('203.0.113.7', token), 429, 'rate_limited');
      // Another address is not held back, and tokens that work cost nothing of the budget.
      for (let i = 0; i < FAILED_ACCESS_TOKENS_PER_MINUTE + 5; i++) expect((await from('198.51.100.9', token)).status).toBe(200);
      expectError(await from('198.51.100.9', madeUp()), 401, 'invalid_token');
    });
  });

  describe('realtime', () => {
    let url: string;
    beforeAll(async () => {
      url = await listen(t.app);
    });

    it('refuses an access token at the socket handshake and on the event feed', async () => {
      const { token } = await newToken(admin, { name: 'Wants a socket', scope: 'read' });
      expect((await refused(connectSocket(url, token))).message).toMatch(/access token cannot open a realtime connection/);
      await expect((await openFeed(url, token)).opened).rejects.toThrow('HTTP 401');
      // A signed-in person's socket still connects.
      const socket = connectSocket(url, admin.token);
      await connected(socket);
      socket.disconnect();
    });
  });
});
