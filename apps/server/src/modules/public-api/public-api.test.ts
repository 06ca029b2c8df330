/**
 * The public client API through the real app: a customer's whole conversation, identity
 * verification, contact tokens that are forged, expired or of another inbox, contacts reaching for
 * what is not theirs, websites that are not allowed, rate limits and hostile bodies. Each test
 * comes from its own client address, so the small limits set here meet only where meant to.
 */
import { createHmac } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactInboxes, contacts } from '../../db/schema.js';
import { createContactTokens } from '../../platform/contact-tokens.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';

const SHOP = 'https://shop.example.com';
const AGENT_APP = 'https://agent.example';
// CORS_ORIGIN (the agent app's) is set: the public routes must still answer the shop by the inbox's websites.
const LIMITS = { PUBLIC_API_RATE_LIMIT: '40', PUBLIC_API_CONTACT_RATE_LIMIT: '6', PUBLIC_API_MESSAGE_RATE_LIMIT: '5', CORS_ORIGIN: AGENT_APP };
const hash = (secret: string, identifier: string) => createHmac('sha256', secret).update(identifier).digest('hex');

describe.each(await databaseKinds())('public client API on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let other: Session;
  let widget: { id: number; identifier: string; secret: string };
  let api: { id: number; identifier: string; secret: string };
  let foreign: { id: number; identifier: string; secret: string };
  let address = 0;

  /** A client of its own: its address, and the public API under an inbox's path. */
  function client(inboxIdentifier = widget.identifier, headers: Record<string, string> = {}) {
    const remoteAddress = `10.13.${Math.floor(++address / 250)}.${address % 250}`;
    const base = `/api/public/inboxes/${inboxIdentifier}`;
    const send = (method: InjectOptions['method'], path: string, payload?: unknown, token?: string, extra: Record<string, string> = {}) =>
      call(t.app, undefined, {
        method,
        url: `${base}${path}`,
        remoteAddress,
        ...(payload === undefined ? {} : { payload: payload as object }),
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
      });
    return {
      send,
      async contact(payload: object = { name: 'Vera Visitor' }) {
        const created = await send('POST', '/contacts', payload);
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const { contact, token } = created.body as { contact: { identifier: string }; token: string };
        const path = `/contacts/${contact.identifier}`;
        return {
          ...created.body,
          path,
          get: (sub = '') => send('GET', `${path}${sub}`, undefined, token),
          post: (sub: string, body: unknown) => send('POST', `${path}${sub}`, body, token),
          patch: (body: unknown) => send('PATCH', path, body, token),
        };
      },
    };
  }

  const agentCall = (session: Session, method: InjectOptions['method'], url: string, payload?: object) =>
    call(t.app, session, { method, url, ...(payload ? { payload } : {}) });

  const createInbox = async (session: Session, payload: object) => {
    const created = await agentCall(session, 'POST', '/api/inboxes', payload);
    expect(created.status).toBe(201);
    return created.body.inbox;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, LIMITS, { runWorkers: true });
    admin = await registerAccount(t.app, 'Public API Inc');
    other = await registerAccount(t.app, 'Elsewhere Ltd');
    widget = await createInbox(admin, { name: 'Website', channelType: 'web_widget', settings: { allowedOrigins: [SHOP] } });
    api = await createInbox(admin, { name: 'App', channelType: 'api' });
    foreign = await createInbox(other, { name: 'Their website', channelType: 'web_widget', settings: { allowedOrigins: [SHOP] } });
  });
  afterAll(() => t?.close());

  it("tells the widget the inbox's name, look and what it asks of visitors, and only on the inbox's websites", async () => {
    const settings = { color: '#1F6F5C', greeting: 'Hi! How can we help?', allowedOrigins: [SHOP], preChatForm: true };
    const shop = await createInbox(admin, { name: 'Shop chat', channelType: 'web_widget', settings });
    const answer = await client(shop.identifier, { origin: SHOP }).send('GET', '');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      inbox: { name: 'Shop chat', color: '#1f6f5c', greeting: 'Hi! How can we help?', preChatForm: true, requireIdentity: false },
    });
    expect(answer.headers['access-control-allow-origin']).toBe(SHOP);
    // Nothing of the inbox's secret, allowed websites or account.
    expect(JSON.stringify(answer.body)).not.toMatch(/secret|allowedOrigins|accountId/);
    expectError(await client(shop.identifier, { origin: 'https://evil.example' }).send('GET', ''), 403, 'origin_not_allowed');
    expectError(await client('no-such-inbox').send('GET', ''), 404, 'inbox_not_found');
    // An inbox without a greeting: the widget greets in the visitor's language.
    expect((await client(widget.identifier).send('GET', '')).body.inbox).toMatchObject({ name: 'Website', greeting: null, preChatForm: false });
  });

  it('carries a customer’s conversation: the one path in, agents’ replies out, notes and activity never', async () => {
    const visitor = await client().contact({ name: 'Vera Visitor', email: `vera.${kind}@example.org` });
    expect(visitor.contact).toEqual({
      identifier: expect.stringMatching(/^[\w-]{24}$/),
      name: 'Vera Visitor',
      email: `vera.${kind}@example.org`,
      verified: false,
    });
    expect((await visitor.get()).body.contact).toEqual(visitor.contact);

    const opened = await visitor.post('/conversations', { message: { content: 'Where is my order 1234?' } });
    expect(opened.status).toBe(201);
    const id = opened.body.conversation.id;
    expect(opened.body.conversation).toEqual({ id, status: 'open', createdAt: expect.any(String), lastActivityAt: expect.any(String), agentName: null });
    expect(opened.body.message).toMatchObject({
      conversationId: id,
      content: 'Where is my order 1234?',
      messageType: 'incoming',
      sender: { type: 'contact', name: 'Vera Visitor' },
      attachments: [],
    });

    // Agents see it in the inbox like any customer message, and AI triage classifies it.
    const seen = await agentCall(admin, 'GET', `/api/conversations/${id}`);
    expect(seen.body.conversation).toMatchObject({
      inboxId: widget.id,
      contact: { name: 'Vera Visitor' },
      lastMessage: { content: 'Where is my order 1234?' },
    });
    expect(seen.body.conversation.contactInboxId).toEqual(expect.any(Number));
    await eventually('the classification of the first message', async () => {
      const classified = await agentCall(admin, 'GET', `/api/conversations/${id}/classification`);
      return classified.status === 200 ? classified.body : undefined;
    });

    await agentCall(admin, 'POST', `/api/conversations/${id}/messages`, { content: 'Internal: check the warehouse', private: true });
    await agentCall(admin, 'POST', `/api/conversations/${id}/messages`, { content: 'It ships tomorrow!' });
    await agentCall(admin, 'PATCH', `/api/conversations/${id}`, { assigneeId: admin.userId, status: 'resolved' });

    const messages = await visitor.get(`/conversations/${id}/messages`);
    expect(messages.status).toBe(200);
    expect(messages.body.data.map((m: { content: string }) => m.content)).toEqual(['Where is my order 1234?', 'It ships tomorrow!']);
    expect(messages.body.data[1]).toEqual({
      id: expect.any(Number),
      conversationId: id,
      content: 'It ships tomorrow!',
      messageType: 'outgoing',
      createdAt: expect.any(String),
      sender: { type: 'agent', name: expect.stringMatching(/^Admin \d+$/) },
      attachments: [],
    });
    const text = JSON.stringify(messages.body);
    expect(text).not.toContain('Internal');
    expect(text).not.toMatch(/private|assignee|category|Assigned to|marked resolved/);

    const conversation = (await visitor.get(`/conversations/${id}`)).body.conversation;
    expect(conversation).toMatchObject({ id, status: 'resolved', agentName: expect.stringMatching(/^Admin \d+$/) });
    expect(Object.keys(conversation).sort()).toEqual(['agentName', 'createdAt', 'id', 'lastActivityAt', 'status']);

    // The customer writes again: the conversation reopens through the door, with its activity line for agents.
    const again = await visitor.post(`/conversations/${id}/messages`, { content: 'Thanks, one more thing' });
    expect(again.status).toBe(201);
    expect(again.body.message).toMatchObject({ messageType: 'incoming', content: 'Thanks, one more thing' });
    expect((await agentCall(admin, 'GET', `/api/conversations/${id}`)).body.conversation.status).toBe('open');
    const thread = await agentCall(admin, 'GET', `/api/conversations/${id}/messages?limit=100`);
    expect(thread.body.data.some((m: { content: string }) => m.content === 'Conversation was reopened by a customer reply')).toBe(true);

    // A conversation without a first message, and the list of the contact's conversations.
    const empty = await visitor.post('/conversations', {});
    expect(empty.status).toBe(201);
    expect(empty.body.message).toBeNull();
    const list = await visitor.get('/conversations');
    expect(list.body.data.map((c: { id: number }) => c.id).sort()).toEqual([id, empty.body.conversation.id].sort());

    const renamed = await visitor.patch({ name: 'Vera V.' });
    expect(renamed.body.contact).toMatchObject({ name: 'Vera V.', identifier: visitor.contact.identifier });
  });

  it('serves the API channel from a server (no Origin), and pages messages', async () => {
    const user = await client(api.identifier).contact({ name: 'App User' });
    const id = (await user.post('/conversations', { message: { content: 'From the app' } })).body.conversation.id;
    for (const content of ['two', 'three']) expect((await user.post(`/conversations/${id}/messages`, { content })).status).toBe(201);
    const first = await user.get(`/conversations/${id}/messages?limit=2`);
    expect(first.body.data.map((m: { content: string }) => m.content)).toEqual(['From the app', 'two']);
    const rest = await user.get(`/conversations/${id}/messages?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body).toMatchObject({ data: [{ content: 'three' }], nextCursor: null });
    const newest = await user.get(`/conversations/${id}/messages?order=desc&limit=1`);
    expect(newest.body.data[0].content).toBe('three');
  });

  describe('identity verification', () => {
    it('links a signed identity to the account’s person, on every browser of theirs', async () => {
      const identifier = `user-${kind}-42`;
      const signed = { identifier, identifierHash: hash(widget.secret, identifier), name: 'Signed Sam' };
      const laptop = await client().contact(signed);
      expect(laptop.contact).toMatchObject({ verified: true, name: 'Signed Sam' });
      const id = (await laptop.post('/conversations', { message: { content: 'From my laptop' } })).body.conversation.id;
      const phone = await client().contact({ ...signed, identifierHash: signed.identifierHash.toUpperCase() });
      expect(phone.contact.identifier).toBe(laptop.contact.identifier);
      expect((await phone.get('/conversations')).body.data.map((c: { id: number }) => c.id)).toEqual([id]);

      const people = await withTenant(t.database.db, { accountId: admin.accountId }, (tx) =>
        tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.identifier, identifier)),
      );
      expect(people).toHaveLength(1);
    });

    it('gives concurrent first sign-ins of one person one contact inbox, so one history', async () => {
      const identifier = `user-${kind}-race`;
      const signed = { identifier, identifierHash: hash(widget.secret, identifier) };
      const browsers = await Promise.all(Array.from({ length: 6 }, () => client().contact(signed)));
      expect(new Set(browsers.map((browser) => browser.contact.identifier)).size).toBe(1);
      const rows = await withTenant(t.database.db, { accountId: admin.accountId }, (tx) =>
        tx
          .select({ id: contactInboxes.id })
          .from(contactInboxes)
          .innerJoin(contacts, eq(contacts.id, contactInboxes.contactId))
          .where(eq(contacts.identifier, identifier)),
      );
      expect(rows).toHaveLength(1);
    });

    it('refuses a wrong hash, and never links an unsigned identifier to anyone', async () => {
      const identifier = `user-${kind}-7`;
      const owner = await client().contact({ identifier, identifierHash: hash(widget.secret, identifier), email: `owner.${kind}@example.org` });
      const secretConversation = (await owner.post('/conversations', { message: { content: 'My private history' } })).body.conversation.id;

      const countContacts = () => withTenant(t.database.db, { accountId: admin.accountId }, (tx) => tx.$count(contacts));
      const before = await countContacts();
      const guesser = client();
      expectError(
        await guesser.send('POST', '/contacts', { identifier, identifierHash: hash('a guessed secret', identifier) }),
        401,
        'invalid_identifier_hash',
      );
      expectError(
        await guesser.send('POST', '/contacts', { identifier: `${identifier}x`, identifierHash: hash(widget.secret, identifier) }),
        401,
        'invalid_identifier_hash',
      );
      expectError(await guesser.send('POST', '/contacts', { identifierHash: hash(widget.secret, identifier) }), 422, 'invalid_identity');
      expect(await countContacts()).toEqual(before);

      // The identifier (and even the owner's e-mail) without a signature: a new visitor with nothing of the owner's.
      const impostor = await guesser.contact({ identifier, email: `OWNER.${kind}@example.org`, name: 'Not the owner' });
      expect(impostor.contact).toMatchObject({ verified: false, name: 'Not the owner', email: `OWNER.${kind}@example.org` });
      expect(impostor.contact.identifier).not.toBe(owner.contact.identifier);
      expect((await impostor.get('/conversations')).body.data).toEqual([]);
      expectError(await impostor.get(`/conversations/${secretConversation}/messages`), 404, 'not_found');
      // The owner's contact keeps its e-mail; the impostor's claim stays on the impostor.
      expect((await owner.get()).body.contact.email).toBe(`owner.${kind}@example.org`);
      expect((await impostor.patch({ email: `owner.${kind}@example.org` })).body.contact).toMatchObject({
        email: `owner.${kind}@example.org`,
        verified: false,
      });
      expect((await owner.get()).body.contact.name).not.toBe('Not the owner');
    });

    it('refuses unsigned visitors when the inbox requires identities, even those who came before', async () => {
      const strict = await createInbox(admin, { name: 'Members only', channelType: 'web_widget' });
      const early = await client(strict.identifier).contact({ name: 'Early bird' });
      await agentCall(admin, 'PATCH', `/api/inboxes/${strict.id}`, { settings: { requireIdentity: true } });

      const visitor = client(strict.identifier);
      expectError(await visitor.send('POST', '/contacts', { name: 'Anon' }), 401, 'identity_required');
      expectError(await visitor.send('POST', '/contacts', { identifier: 'member-1' }), 401, 'identity_required');
      expectError(await early.get(), 401, 'identity_required');
      const member = await visitor.contact({ identifier: 'member-1', identifierHash: hash(strict.secret, 'member-1') });
      expect(member.contact.verified).toBe(true);
      expect((await member.get()).status).toBe(200);

      // A rotated secret: the old signature no longer verifies.
      const rotated = (await agentCall(admin, 'POST', `/api/inboxes/${strict.id}/rotate-secret`)).body.inbox;
      expectError(
        await visitor.send('POST', '/contacts', { identifier: 'member-1', identifierHash: hash(strict.secret, 'member-1') }),
        401,
        'invalid_identifier_hash',
      );
      expect((await visitor.send('POST', '/contacts', { identifier: 'member-1', identifierHash: hash(rotated.secret, 'member-1') })).status).toBe(201);
    });
  });

  describe('contact tokens', () => {
    it('reads the Bearer scheme in any case, as the agent API does', async () => {
      const visitor = await client().contact();
      for (const scheme of ['bearer', 'BEARER']) {
        const answer = await client().send('GET', visitor.path, undefined, undefined, { authorization: `${scheme} ${visitor.token}` });
        expect(answer.status, scheme).toBe(200);
      }
    });

    it('refuses forged, expired, other inboxes’ and agents’ tokens, and a missing one', async () => {
      const visitor = await client().contact();
      const claims = { accountId: admin.accountId, inboxId: widget.id, contactInboxId: 0, sourceId: visitor.contact.identifier };
      const [real] = await withTenant(t.database.db, { accountId: admin.accountId }, (tx) =>
        tx.select({ id: contactInboxes.id }).from(contactInboxes).where(eq(contactInboxes.sourceId, visitor.contact.identifier)),
      );
      claims.contactInboxId = real!.id;
      const forged = createContactTokens('a different secret that is long enough 0123456789').sign(claims);
      const expired = createContactTokens(TEST_JWT_SECRET, -60).sign(claims);
      const genuine = createContactTokens(TEST_JWT_SECRET).sign(claims);
      const path = `${visitor.path}/conversations`;
      const c = client();

      expect((await c.send('GET', path, undefined, genuine)).status).toBe(200);
      for (const [token, label] of [
        [forged, 'forged'],
        [expired, 'expired'],
        [admin.token, "an agent's session"],
        [`${genuine}x`, 'altered'],
        ['not.a.token', 'garbage'],
        [genuine.replace(/^[^.]+/, Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')), 'alg none'],
      ] as const) {
        expectError(await c.send('GET', path, undefined, token), 401, 'invalid_contact_token', label);
      }
      expectError(await c.send('GET', path), 401, 'invalid_contact_token', 'none');

      // The same genuine token on another inbox of the account, and on another account's inbox.
      expectError(await client(api.identifier).send('GET', path, undefined, genuine), 401, 'invalid_contact_token');
      expectError(await client(foreign.identifier).send('GET', path, undefined, genuine), 401, 'invalid_contact_token');
      // A token of the other account's inbox, against this one.
      const stranger = await client(foreign.identifier).contact();
      expectError(await c.send('GET', stranger.path, undefined, stranger.token), 401, 'invalid_contact_token');
    });

    it("keeps a contact out of everyone else's: other contacts, agents' conversations, other accounts", async () => {
      const alice = await client().contact({ name: 'Alice' });
      const bob = await client().contact({ name: 'Bob' });
      const alicesId = (await alice.post('/conversations', { message: { content: 'Alice private' } })).body.conversation.id;
      const agentOpened = (
        await agentCall(admin, 'POST', '/api/conversations', { inboxId: widget.id, contact: { name: 'Phone caller' }, message: { content: 'By phone' } })
      ).body.conversation.id;
      const theirs = (await agentCall(other, 'POST', '/api/conversations', { contact: { name: 'Theirs' }, message: { content: 'Other account' } })).body
        .conversation.id;

      for (const id of [alicesId, agentOpened, theirs, 2_147_483_647]) {
        expectError(await bob.get(`/conversations/${id}`), 404, 'not_found', `conversation ${id}`);
        expectError(await bob.get(`/conversations/${id}/messages`), 404, 'not_found');
        expectError(await bob.post(`/conversations/${id}/messages`, { content: 'Let me in' }), 404, 'not_found');
      }
      // Bob's token with Alice's identifier in the path.
      expectError(await client().send('GET', `${alice.path}/conversations`, undefined, bob.token), 404, 'not_found');
      expect((await bob.get('/conversations')).body.data).toEqual([]);
      const aliceThread = await agentCall(admin, 'GET', `/api/conversations/${alicesId}/messages`);
      const written = aliceThread.body.data.filter((m: { messageType: string }) => m.messageType !== 'activity');
      expect(written.map((m: { content: string }) => m.content)).toEqual(['Alice private']);
    });

    it('answers 404 inbox_not_found for an unknown or malformed inbox identifier', async () => {
      for (const identifier of ['0'.repeat(32), 'nope', "x'or'1'='1", '%00']) {
        expectError(await client(identifier).send('POST', '/contacts', { name: 'Lost' }), 404, 'inbox_not_found', identifier);
      }
    });

    it("is no way into an e-mail inbox: nobody writes as another's address there", async () => {
      const mail = await createInbox(admin, {
        name: 'Mail',
        channelType: 'email',
        settings: { address: `support-${kind}@public-api.example`, smtp: { host: 'smtp.example.com', port: 587, secure: false } },
      });
      expectError(await client(mail.identifier).send('POST', '/contacts', { name: 'Spoof', email: 'ceo@example.com' }), 404, 'inbox_not_found');
    });
  });

  describe('websites', () => {
    it("answers only the inbox's allowed websites, with CORS headers, and servers without an Origin", async () => {
      const fromShop = client(widget.identifier, { origin: SHOP });
      const created = await fromShop.send('POST', '/contacts', { name: 'Shopper' });
      expect(created.status).toBe(201);
      expect(created.headers['access-control-allow-origin']).toBe(SHOP);
      const preflight = await fromShop.send('OPTIONS', '/contacts', undefined, undefined, {
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': SHOP, 'access-control-allow-methods': expect.stringContaining('POST') });
      expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
      // An error the browser must be able to read still carries the header.
      const unauthorised = await fromShop.send('GET', `/contacts/${created.body.contact.identifier}`);
      expectError(unauthorised, 401, 'invalid_contact_token');
      expect(unauthorised.headers['access-control-allow-origin']).toBe(SHOP);

      for (const origin of ['https://evil.example', 'https://shop.example.com.evil.example', 'http://shop.example.com', 'null']) {
        const refused = await client(widget.identifier, { origin }).send('POST', '/contacts', { name: 'Evil' });
        expectError(refused, 403, 'origin_not_allowed', origin);
        expect(refused.headers['access-control-allow-origin']).toBeUndefined();
        expectError(await client(widget.identifier, { origin }).send('OPTIONS', '/contacts'), 403, 'origin_not_allowed');
      }
      // The agent app's CORS_ORIGIN is not a website of the inbox, and the shop is not the agent app.
      expectError(await client(widget.identifier, { origin: AGENT_APP }).send('OPTIONS', '/contacts'), 403, 'origin_not_allowed');
      const agentPreflight = await call(t.app, undefined, {
        method: 'OPTIONS',
        url: '/api/conversations',
        headers: { origin: AGENT_APP, 'access-control-request-method': 'GET' },
      });
      expect(agentPreflight.headers['access-control-allow-origin']).toBe(AGENT_APP);
      const shopOnAgentApi = await call(t.app, undefined, {
        method: 'OPTIONS',
        url: '/api/conversations',
        headers: { origin: SHOP, 'access-control-request-method': 'GET' },
      });
      expect(shopOnAgentApi.headers['access-control-allow-origin']).toBeUndefined();
      // The script and the attachment links answer any website by their own headers, not the agent app's list.
      const script = await call(t.app, undefined, { method: 'GET', url: '/widget.js', headers: { origin: SHOP } });
      expect(script.headers['access-control-allow-origin']).toBeUndefined();
      const limits = await call(t.app, undefined, { method: 'GET', url: '/api/attachments/limits', headers: { origin: SHOP } });
      expect(limits.headers['access-control-allow-origin']).toBe('*');
      // An API inbox has no websites: any browser is refused, a server is served.
      expectError(await client(api.identifier, { origin: SHOP }).send('POST', '/contacts', {}), 403, 'origin_not_allowed');
      expect((await client(api.identifier).send('POST', '/contacts', {})).status).toBe(201);
    });
  });

  describe('limits', () => {
    it('limits contacts created per client address', async () => {
      const c = client();
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await c.send('POST', '/contacts', { name: `Spam ${i}` })).status);
      expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
      const refused = await c.send('POST', '/contacts', {});
      expectError(refused, 429, 'rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await client().send('POST', '/contacts', {})).status).toBe(201);
    });

    it('limits messages per contact, whatever address they come from', async () => {
      const visitor = await client().contact();
      const id = (await visitor.post('/conversations', { message: { content: 'one' } })).body.conversation.id;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await visitor.post(`/conversations/${id}/messages`, { content: `more ${i}` })).status);
      expect(statuses).toEqual([201, 201, 201, 201, 429]);
      expectError(await client().send('POST', `${visitor.path}/conversations/${id}/messages`, { content: 'elsewhere' }, visitor.token), 429, 'rate_limited');
      // Reading is not writing.
      expect((await visitor.get(`/conversations/${id}/messages`)).status).toBe(200);
    });

    it('limits all requests per client address', async () => {
      const c = client();
      const statuses: number[] = [];
      for (let i = 0; i < 41; i++) statuses.push((await c.send('GET', '/contacts/nobody')).status);
      expect(statuses.slice(0, 40).every((status) => status === 401)).toBe(true);
      expect(statuses[40]).toBe(429);
    });
  });

  it('refuses hostile bodies with a clear 4xx and writes nothing', async () => {
    const visitor = await client().contact();
    const id = (await visitor.post('/conversations', { message: { content: 'start' } })).body.conversation.id;
    const messagesPath = `/conversations/${id}/messages`;
    const cases: [string, unknown, number, string][] = [
      [messagesPath, { content: 'x'.repeat(10_001) }, 400, 'validation_error'],
      [messagesPath, { content: '   ' }, 400, 'validation_error'],
      [messagesPath, { content: 'hi', private: true }, 400, 'validation_error'],
      [messagesPath, { content: 'hi', messageType: 'outgoing' }, 400, 'validation_error'],
      [messagesPath, { content: 'nul \u0000 byte' }, 400, 'invalid_text'],
      [messagesPath, ['content'], 400, 'validation_error'],
      [messagesPath, { content: { $gt: '' } }, 400, 'validation_error'],
      ['/conversations', { message: { content: '' } }, 400, 'validation_error'],
      ['/conversations', { message: 'hi' }, 400, 'validation_error'],
      ['/conversations/abc/messages', { content: 'hi' }, 400, 'validation_error'],
      ['/conversations/99999999999/messages', { content: 'hi' }, 400, 'validation_error'],
    ];
    for (const [path, body, status, code] of cases) expectError(await visitor.post(path, body), status, code, `${path} ${JSON.stringify(body).slice(0, 60)}`);
    expectError(await visitor.patch({}), 400, 'validation_error');
    expectError(await visitor.patch({ email: 'not an email' }), 400, 'validation_error');
    expectError(await visitor.patch({ identifier: 'take-over' }), 400, 'validation_error');
    const c = client();
    for (const body of [
      { name: 'x'.repeat(201) },
      { email: 'a@b' },
      { identifier: 'x'.repeat(256), identifierHash: 'a'.repeat(64) },
      { identifier: 'u1', identifierHash: 'zz' },
      { identifier: 'line\nbreak' },
      { verified: true },
    ]) {
      expectError(await c.send('POST', '/contacts', body), 400, 'validation_error', JSON.stringify(body).slice(0, 60));
    }
    const huge = await call(t.app, undefined, {
      method: 'POST',
      url: `/api/public/inboxes/${widget.identifier}${visitor.path}${messagesPath}`,
      headers: { authorization: `Bearer ${visitor.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ content: 'x'.repeat(200_000) }),
      remoteAddress: '10.99.0.1',
    });
    expectError(huge, 413, 'payload_too_large');
    const thread = await visitor.get(messagesPath);
    expect(thread.body.data.map((m: { content: string }) => m.content)).toEqual(['start']);
  });
});
