/**
 * Tenant isolation over HTTP: an account never reads, changes, deletes or points at another
 * account's rows, and a resource of another account answers 404 exactly like a missing one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from './test-support/databases.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from './test-support/app.js';
import { decodeJwt } from './test-support/checks.js';

const PASSWORD = 'agent password 123';
const MISSING_ID = 2_000_000_000;
const unique = `${process.pid}.${Date.now()}`;

interface Fixture {
  team: number;
  inbox: number;
  contact: number;
  contactName: string;
  contactEmail: string;
  label: number;
  labelTitle: string;
  agent: number;
  conversation: number;
  reply: number;
  accessToken: number;
  webhook: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe.each(await databaseKinds())('tenant isolation over HTTP on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let A: Fixture;
  let B: Fixture;

  const ok = async (session: Session, method: Method, url: string, payload?: unknown, expected = method === 'POST' ? 201 : 200) => {
    const response = await call(t.app, session, { method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    if (response.status !== expected) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  /** One of everything, in the session's account. */
  async function populate(session: Session, tag: string): Promise<Fixture> {
    const agent = await ok(session, 'POST', '/api/agents', {
      name: `Agent ${tag}`,
      email: `agent-${tag}.${unique}@example.com`,
      password: PASSWORD,
    });
    const team = await ok(session, 'POST', '/api/teams', { name: `Team ${tag}`, description: `The ${tag} team` });
    await ok(session, 'PUT', `/api/teams/${team.team.id}/members`, { userIds: [session.userId, agent.agent.id] });
    const inbox = await ok(session, 'POST', '/api/inboxes', {
      name: `Inbox ${tag}`,
      channelType: 'email',
      defaultTeamId: team.team.id,
      settings: { address: `support-${tag}.${unique}@example.com`, smtp: { host: 'smtp.example.com', port: 587, secure: false } },
    });
    const contactName = `Customer ${tag} Zyxwv`;
    const contactEmail = `customer-${tag}.${unique}@example.org`;
    const contact = await ok(session, 'POST', '/api/contacts', { name: contactName, email: contactEmail, attributes: { plan: tag } });
    const labelTitle = `secret-${tag}`;
    const label = await ok(session, 'POST', '/api/labels', { title: labelTitle, description: `Label ${tag}` });
    // Subscribed before the conversation, so its messages make deliveries (no worker sends them here).
    const webhook = await ok(session, 'POST', '/api/webhooks', { url: `https://hooks.example.com/${tag}`, events: ['message.created'] });
    const opened = await ok(session, 'POST', '/api/conversations', {
      inboxId: inbox.inbox.id,
      contact: { email: contactEmail },
      message: { content: `Question of ${tag} about a parcel` },
    });
    const conversation = opened.conversation.id;
    expect(opened.conversation.contact.id).toBe(contact.contact.id);
    await ok(session, 'PATCH', `/api/conversations/${conversation}`, {
      assigneeId: agent.agent.id,
      teamId: team.team.id,
      labels: [labelTitle],
      priority: 'high',
    });
    const reply = await ok(session, 'POST', `/api/conversations/${conversation}/messages`, { content: `Reply of ${tag}` });
    const accessToken = await ok(session, 'POST', '/api/access-tokens', { name: `Integration ${tag}`, scope: 'read' });
    return {
      team: team.team.id,
      inbox: inbox.inbox.id,
      contact: contact.contact.id,
      contactName,
      contactEmail,
      label: label.label.id,
      labelTitle,
      agent: agent.agent.id,
      conversation,
      reply: reply.message.id,
      accessToken: accessToken.accessToken.id,
      webhook: webhook.webhook.id,
    };
  }

  /** Everything B's own token can see of B's fixture (to compare before and after). */
  async function snapshot(session: Session, f: Fixture) {
    const read = (url: string) => ok(session, 'GET', url);
    return {
      team: await read(`/api/teams/${f.team}`),
      members: await read(`/api/teams/${f.team}/members`),
      inbox: await read(`/api/inboxes/${f.inbox}`),
      contact: await read(`/api/contacts/${f.contact}`),
      label: await read(`/api/labels/${f.label}`),
      agent: await read(`/api/agents/${f.agent}`),
      admin: await read(`/api/agents/${session.userId}`),
      conversation: await read(`/api/conversations/${f.conversation}`),
      messages: await read(`/api/conversations/${f.conversation}/messages?limit=100`),
      teams: await read('/api/teams'),
      inboxes: await read('/api/inboxes'),
      contacts: await read('/api/contacts?limit=100'),
      labels: await read('/api/labels'),
      agents: await read('/api/agents'),
      conversations: await read('/api/conversations?limit=100'),
      accessTokens: await read('/api/access-tokens'),
      webhooks: await read('/api/webhooks'),
      webhook: await read(`/api/webhooks/${f.webhook}`),
      deliveries: await read(`/api/webhooks/${f.webhook}/deliveries`),
    };
  }

  async function login(email: string) {
    const response = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return {
      token: response.body.token as string,
      accountId: response.body.account.id as number,
      userId: response.body.user.id as number,
      auth: { authorization: `Bearer ${response.body.token}` },
    } satisfies Session;
  }

  const ids = (body: { data: { id: number }[] }) => body.data.map((row) => row.id);

  function expectNotFound(response: { status: number; body: any }, what: string) {
    expect(response.status, `${what}: ${JSON.stringify(response.body)}`).toBe(404);
    expect(response.body, what).toEqual({
      error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) },
    });
    expect(response.body.error.message.length, what).toBeGreaterThan(0);
    expect(response.body.error.requestId.length, what).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
    a = await registerAccount(t.app, 'Account A');
    b = await registerAccount(t.app, 'Account B');
    expect(a.accountId).not.toBe(b.accountId);
    A = await populate(a, 'a');
    B = await populate(b, 'b');
  });
  afterAll(() => t?.close());

  it('answers 404 to every route naming a resource of another account, as for a missing id, and changes nothing', async () => {
    const before = await snapshot(b, B);
    const routes: [Method, (id: number) => string, number, unknown?][] = [
      ['GET', (id) => `/api/teams/${id}`, B.team],
      ['PATCH', (id) => `/api/teams/${id}`, B.team, { name: 'Hijacked' }],
      ['GET', (id) => `/api/teams/${id}/members`, B.team],
      ['PUT', (id) => `/api/teams/${id}/members`, B.team, { userIds: [] }],
      ['PUT', (id) => `/api/teams/${id}/members`, B.team, { userIds: [a.userId] }],
      ['GET', (id) => `/api/inboxes/${id}`, B.inbox],
      ['PATCH', (id) => `/api/inboxes/${id}`, B.inbox, { name: 'Hijacked', defaultTeamId: null }],
      ['GET', (id) => `/api/contacts/${id}`, B.contact],
      ['PATCH', (id) => `/api/contacts/${id}`, B.contact, { name: 'Hijacked', attributes: {} }],
      ['GET', (id) => `/api/labels/${id}`, B.label],
      ['PATCH', (id) => `/api/labels/${id}`, B.label, { title: 'hijacked' }],
      ['GET', (id) => `/api/agents/${id}`, B.agent],
      ['PATCH', (id) => `/api/agents/${id}`, B.agent, { role: 'administrator' }],
      ['GET', (id) => `/api/agents/${id}`, b.userId],
      ['PATCH', (id) => `/api/agents/${id}`, b.userId, { role: 'agent' }],
      ['GET', (id) => `/api/conversations/${id}`, B.conversation],
      ['PATCH', (id) => `/api/conversations/${id}`, B.conversation, { status: 'resolved', assigneeId: null, labels: [] }],
      ['GET', (id) => `/api/conversations/${id}/messages`, B.conversation],
      ['POST', (id) => `/api/conversations/${id}/messages`, B.conversation, { content: 'Injected reply' }],
      ['POST', (id) => `/api/conversations/${id}/messages`, B.conversation, { content: 'Injected', messageType: 'incoming' }],
      ['POST', (id) => `/api/conversations/${id}/messages/${B.reply}/retry`, B.conversation],
      ['GET', (id) => `/api/webhooks/${id}`, B.webhook],
      ['PATCH', (id) => `/api/webhooks/${id}`, B.webhook, { url: 'https://attacker.example.com/steal', enabled: true }],
      ['POST', (id) => `/api/webhooks/${id}/rotate-secret`, B.webhook],
      ['GET', (id) => `/api/webhooks/${id}/deliveries`, B.webhook],
      ['POST', (id) => `/api/webhooks/${id}/test`, B.webhook],
      ['GET', (id) => `/api/inboxes/${id}/deliveries`, B.inbox],
      ['POST', (id) => `/api/inboxes/${id}/deliveries/00000000-0000-4000-8000-000000000000/redeliver`, B.inbox],
      // Deletions last: each must be refused, so the rows above are still there for B.
      ['DELETE', (id) => `/api/teams/${id}`, B.team],
      ['DELETE', (id) => `/api/inboxes/${id}`, B.inbox],
      ['DELETE', (id) => `/api/contacts/${id}`, B.contact],
      ['DELETE', (id) => `/api/labels/${id}`, B.label],
      ['DELETE', (id) => `/api/agents/${id}`, B.agent],
      ['DELETE', (id) => `/api/agents/${id}`, b.userId],
      ['DELETE', (id) => `/api/access-tokens/${id}`, B.accessToken],
      ['DELETE', (id) => `/api/webhooks/${id}`, B.webhook],
    ];
    for (const [method, url, id, payload] of routes) {
      const options = { method, ...(payload === undefined ? {} : { payload: payload as object }) };
      const foreign = await call(t.app, a, { ...options, url: url(id) });
      expectNotFound(foreign, `${method} ${url(id)}`);
      // Exactly as if it did not exist: same status, code and message as a missing id.
      const missing = await call(t.app, a, { ...options, url: url(MISSING_ID) });
      expectNotFound(missing, `${method} ${url(MISSING_ID)}`);
      expect(foreign.body.error.message, `${method} ${url(id)}`).toBe(missing.body.error.message);
      expect(foreign.body.error.requestId).not.toBe(missing.body.error.requestId);
    }

    const after = await snapshot(b, B);
    expect(after).toEqual(before);
    // The snapshot holds real data (a broken read would compare two empty snapshots).
    expect(after.team.team).toMatchObject({ id: B.team, name: 'Team b', memberCount: 2 });
    expect(ids(after.members).sort()).toEqual([b.userId, B.agent].sort());
    expect(after.inbox.inbox).toMatchObject({ id: B.inbox, name: 'Inbox b', defaultTeamId: B.team });
    expect(after.contact.contact).toMatchObject({ id: B.contact, name: B.contactName, attributes: { plan: 'b' } });
    expect(after.label.label).toMatchObject({ id: B.label, title: B.labelTitle });
    expect(after.agent.agent).toMatchObject({ id: B.agent, name: 'Agent b', role: 'agent' });
    expect(ids(after.accessTokens)).toEqual([B.accessToken]);
    expect(ids(after.webhooks)).toEqual([B.webhook]);
    expect(after.webhook.webhook).toMatchObject({ id: B.webhook, url: 'https://hooks.example.com/b', enabled: true });
    expect(after.deliveries.data.length).toBeGreaterThan(0);
    expect(after.admin.agent).toMatchObject({ id: b.userId, role: 'administrator' });
    expect(after.conversation.conversation).toMatchObject({
      id: B.conversation,
      status: 'open',
      assigneeId: B.agent,
      teamId: B.team,
      labels: [B.labelTitle],
    });
    const contents = after.messages.data.map((m: { content: string }) => m.content);
    expect(contents).toContain('Reply of b');
    expect(contents.some((c: string) => c.startsWith('Injected'))).toBe(false);
  });

  it("lists none of another account's rows, whatever the filter or search", async () => {
    const lists: [string, number[], number[]][] = [
      ['/api/teams', [A.team], [B.team]],
      ['/api/inboxes', [A.inbox], [B.inbox]],
      ['/api/contacts?limit=100', [A.contact], [B.contact]],
      ['/api/labels', [A.label], [B.label]],
      ['/api/agents', [a.userId, A.agent], [b.userId, B.agent]],
      ['/api/conversations?limit=100', [A.conversation], [B.conversation]],
    ];
    for (const [url, own, foreign] of lists) {
      const list = await ok(a, 'GET', url);
      for (const id of own) expect(ids(list), url).toContain(id);
      for (const id of foreign) expect(ids(list), url).not.toContain(id);
      // ...and B's own list does have them: the ids are not simply absent everywhere.
      const theirs = await ok(b, 'GET', url);
      for (const id of foreign) expect(ids(theirs), url).toContain(id);
    }

    // Conversation numbers are counted per account: B's volume does not show in A's numbers.
    expect((await ok(a, 'GET', `/api/conversations/${A.conversation}`)).conversation.displayId).toBe(1);
    expect((await ok(b, 'GET', `/api/conversations/${B.conversation}`)).conversation.displayId).toBe(1);

    const searches: [string, number][] = [
      [`/api/conversations?q=${encodeURIComponent(B.contactName)}`, B.conversation],
      [`/api/conversations?q=${encodeURIComponent(B.contactEmail)}`, B.conversation],
      [`/api/conversations?q=${encodeURIComponent('Question of b')}`, B.conversation],
      [`/api/conversations?inboxId=${B.inbox}`, B.conversation],
      [`/api/conversations?teamId=${B.team}`, B.conversation],
      [`/api/conversations?assigneeId=${B.agent}`, B.conversation],
      [`/api/conversations?label=${B.labelTitle}`, B.conversation],
      [`/api/contacts?q=${encodeURIComponent(B.contactName)}`, B.contact],
      [`/api/contacts?q=${encodeURIComponent(B.contactEmail)}`, B.contact],
    ];
    for (const [url, id] of searches) {
      const mine = await ok(a, 'GET', url);
      expect(mine.data, url).toEqual([]);
      const theirs = await ok(b, 'GET', url);
      expect(ids(theirs), url).toContain(id);
    }
  });

  it("refuses ids of another account's rows in a request body, writing nothing", async () => {
    const conversationBefore = await ok(a, 'GET', `/api/conversations/${A.conversation}`);
    const refused: [Method, string, unknown, string][] = [
      ['PATCH', `/api/conversations/${A.conversation}`, { assigneeId: B.agent }, 'invalid_assignee'],
      ['PATCH', `/api/conversations/${A.conversation}`, { assigneeId: b.userId }, 'invalid_assignee'],
      ['PATCH', `/api/conversations/${A.conversation}`, { teamId: B.team }, 'invalid_team'],
      ['PATCH', `/api/conversations/${A.conversation}`, { labels: [B.labelTitle] }, 'unknown_label'],
      ['POST', '/api/conversations', { inboxId: B.inbox, contact: { name: 'Sneaky' }, message: { content: 'Into B please' } }, 'invalid_inbox'],
      ['PUT', `/api/teams/${A.team}/members`, { userIds: [B.agent] }, 'invalid_agent'],
      ['PUT', `/api/teams/${A.team}/members`, { userIds: [a.userId, b.userId] }, 'invalid_agent'],
      ['POST', '/api/inboxes', { name: 'Cross inbox', defaultTeamId: B.team }, 'invalid_team'],
      ['PATCH', `/api/inboxes/${A.inbox}`, { defaultTeamId: B.team }, 'invalid_team'],
    ];
    for (const [method, url, payload, code] of refused) {
      const response = await call(t.app, a, { method, url, payload: payload as object });
      expect(response.status, `${method} ${url} ${JSON.stringify(payload)}: ${JSON.stringify(response.body)}`).toBe(422);
      expect(response.body.error.code, `${method} ${url} ${JSON.stringify(payload)}`).toBe(code);
    }

    const conversationAfter = await ok(a, 'GET', `/api/conversations/${A.conversation}`);
    expect(conversationAfter).toEqual(conversationBefore);
    expect(conversationAfter.conversation).toMatchObject({ assigneeId: A.agent, teamId: A.team, labels: [A.labelTitle] });
    expect(ids(await ok(a, 'GET', `/api/teams/${A.team}/members`)).sort()).toEqual([a.userId, A.agent].sort());
    const inboxes = await ok(a, 'GET', '/api/inboxes');
    expect(inboxes.data.map((i: { name: string }) => i.name)).not.toContain('Cross inbox');
    expect(inboxes.data.find((i: { id: number }) => i.id === A.inbox)).toMatchObject({ defaultTeamId: A.team });
    // B's inbox did not get a conversation from A.
    const inB = await ok(b, 'GET', `/api/conversations?inboxId=${B.inbox}`);
    expect(ids(inB)).toEqual([B.conversation]);

    // A customer e-mail that B also has is a new contact of A, never B's contact.
    const opened = await ok(a, 'POST', '/api/conversations', { contact: { email: B.contactEmail }, message: { content: 'Same e-mail' } });
    expect(opened.conversation.contact.id).not.toBe(B.contact);
    expect(opened.conversation.contact.name).not.toBe(B.contactName);
    expect(ids(await ok(a, 'GET', `/api/contacts?q=${encodeURIComponent(B.contactEmail)}`))).toEqual([opened.conversation.contact.id]);
  });

  it("does not let another account's names and e-mails collide, nor switch into another account", async () => {
    // Uniqueness is per account: a 409 here would tell A that B uses the name.
    const email = `shared-${unique}@example.net`;
    await ok(b, 'POST', '/api/contacts', { name: 'Shared B', email });
    const contact = await ok(a, 'POST', '/api/contacts', { name: 'Shared A', email: email.toUpperCase() });
    expect(contact.contact.name).toBe('Shared A');
    const label = await ok(a, 'POST', '/api/labels', { title: B.labelTitle });
    expect(label.label.id).not.toBe(B.label);
    const team = await ok(a, 'POST', '/api/teams', { name: 'Team b' });
    expect(team.team.id).not.toBe(B.team);
    expect((await ok(b, 'GET', `/api/labels/${B.label}`)).label.title).toBe(B.labelTitle);

    // A token for B's account cannot be had from A's session; B's account answers like a missing one.
    const foreign = await call(t.app, a, { method: 'POST', url: '/api/auth/switch-account', payload: { accountId: b.accountId } });
    const missing = await call(t.app, a, { method: 'POST', url: '/api/auth/switch-account', payload: { accountId: MISSING_ID } });
    expect(foreign.status).toBeGreaterThanOrEqual(400);
    expect(foreign.status).toBeLessThan(500);
    expect(foreign.body.token).toBeUndefined();
    expect({ status: foreign.status, code: foreign.body.error.code, message: foreign.body.error.message }).toEqual({
      status: missing.status,
      code: missing.body.error.code,
      message: missing.body.error.message,
    });
  });

  it('refuses a token whose user is no longer a member of its account', async () => {
    const email = `leaver.${unique}@example.com`;
    const created = await ok(a, 'POST', '/api/agents', { name: 'Leaver', email, password: PASSWORD });
    const leaver = await login(email);
    expect(leaver.accountId).toBe(a.accountId);
    expect((await call(t.app, leaver, { method: 'GET', url: '/api/conversations' })).status).toBe(200);

    expect((await call(t.app, a, { method: 'DELETE', url: `/api/agents/${created.agent.id}` })).status).toBe(204);
    for (const [method, url] of [
      ['GET', '/api/conversations'],
      ['GET', `/api/conversations/${A.conversation}`],
      ['GET', '/api/teams'],
      ['GET', '/api/auth/me'],
      ['POST', '/api/demo/generate-ticket'],
    ] as const) {
      const response = await call(t.app, leaver, { method, url });
      expect(response.status, `${method} ${url}`).toBe(401);
      expect(response.body.error).toMatchObject({ code: 'session_ended', requestId: expect.any(String) });
    }
  });

  it('refuses a validly signed token naming an account the user is not a member of', async () => {
    // B's administrator with A's account in the claims: the signature is right, the membership is not.
    const forged = t.app.jwt.sign({ sub: String(b.userId), acc: a.accountId, sid: decodeJwt(b.token).sid });
    const session: Session = { token: forged, accountId: a.accountId, userId: b.userId, auth: { authorization: `Bearer ${forged}` } };
    for (const url of ['/api/conversations', `/api/conversations/${A.conversation}`, '/api/agents']) {
      const response = await call(t.app, session, { method: 'GET', url });
      expect(response.status, url).toBe(401);
      expect(response.body.error.code, url).toBe('session_ended');
    }
  });

  it('lets an agent read but not administer the account', async () => {
    const email = `plain-agent.${unique}@example.com`;
    const created = await ok(a, 'POST', '/api/agents', { name: 'Plain Agent', email, password: PASSWORD });
    expect(created.agent.role).toBe('agent');
    const agent = await login(email);

    const reads = [
      '/api/teams',
      `/api/teams/${A.team}`,
      `/api/teams/${A.team}/members`,
      '/api/inboxes',
      `/api/inboxes/${A.inbox}`,
      '/api/contacts',
      `/api/contacts/${A.contact}`,
      '/api/labels',
      `/api/labels/${A.label}`,
      '/api/agents',
      `/api/agents/${A.agent}`,
      '/api/conversations',
      `/api/conversations/${A.conversation}`,
      `/api/conversations/${A.conversation}/messages`,
    ];
    for (const url of reads) {
      const response = await call(t.app, agent, { method: 'GET', url });
      expect(response.status, `GET ${url}: ${JSON.stringify(response.body)}`).toBe(200);
    }

    const before = await snapshot(a, A);
    const forbidden: [Method, string, unknown?][] = [
      ['POST', '/api/teams', { name: 'Agent team' }],
      ['PATCH', `/api/teams/${A.team}`, { name: 'Renamed by agent' }],
      ['PUT', `/api/teams/${A.team}/members`, { userIds: [] }],
      ['DELETE', `/api/teams/${A.team}`],
      ['POST', '/api/inboxes', { name: 'Agent inbox' }],
      ['PATCH', `/api/inboxes/${A.inbox}`, { name: 'Renamed by agent' }],
      ['DELETE', `/api/inboxes/${A.inbox}`],
      ['POST', '/api/agents', { name: 'Friend', email: `friend.${unique}@example.com`, password: PASSWORD }],
      ['PATCH', `/api/agents/${agent.userId}`, { role: 'administrator' }],
      ['PATCH', `/api/agents/${A.agent}`, { role: 'agent' }],
      ['DELETE', `/api/agents/${A.agent}`],
      ['DELETE', `/api/agents/${a.userId}`],
      ['POST', '/api/labels', { title: 'agent-label' }],
      ['PATCH', `/api/labels/${A.label}`, { title: 'renamed-by-agent' }],
      ['DELETE', `/api/labels/${A.label}`],
      ['DELETE', `/api/contacts/${A.contact}`],
      ['PATCH', '/api/account', { name: 'Renamed by agent' }],
    ];
    for (const [method, url, payload] of forbidden) {
      const response = await call(t.app, agent, { method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
      expect(response.status, `${method} ${url}: ${JSON.stringify(response.body)}`).toBe(403);
      expect(response.body.error).toMatchObject({ code: 'forbidden', requestId: expect.any(String) });
    }
    expect(await snapshot(a, A)).toEqual(before);
    expect((await ok(a, 'GET', `/api/agents/${agent.userId}`)).agent.role).toBe('agent');
    expect((await ok(a, 'GET', '/api/account')).account.name).toBe('Account A');
  });

  it("generates a demo ticket in the caller's account only", async () => {
    const generated = await call(t.app, a, { method: 'POST', url: '/api/demo/generate-ticket' });
    expect(generated.status, JSON.stringify(generated.body)).toBe(201);
    const id = generated.body.conversationId;
    expect(id).toEqual(expect.any(Number));

    const mine = await ok(a, 'GET', `/api/conversations/${id}`);
    expect(mine.conversation.lastMessage).toMatchObject({ id: generated.body.message.id, messageType: 'incoming' });
    expect(ids(await ok(a, 'GET', '/api/conversations?limit=100'))).toContain(id);
    // The generated conversation's contact is A's too.
    expect((await call(t.app, a, { method: 'GET', url: `/api/contacts/${mine.conversation.contact.id}` })).status).toBe(200);

    expectNotFound(await call(t.app, b, { method: 'GET', url: `/api/conversations/${id}` }), 'B reads A demo conversation');
    expectNotFound(await call(t.app, b, { method: 'GET', url: `/api/conversations/${id}/messages` }), 'B reads A demo messages');
    expectNotFound(await call(t.app, b, { method: 'GET', url: `/api/contacts/${mine.conversation.contact.id}` }), 'B reads A demo contact');
    expect(ids(await ok(b, 'GET', '/api/conversations?limit=100'))).not.toContain(id);
  });
});
