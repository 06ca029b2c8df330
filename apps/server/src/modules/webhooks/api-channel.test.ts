/**
 * The API channel end to end, as a company runs it: an administrator makes an access token and
 * an `api` inbox whose callback URL is the company's own HTTP receiver (real, on 127.0.0.1,
 * checking every signature); the company's backend writes in as its customers, with only the
 * access token or only the public client API; the messages are classified and drafted like any;
 * the agent's reply comes back to the callback URL signed with the inbox's secret, and the
 * account's webhooks hear of it all. Also: the inbox's callback log with "redeliver", and callback
 * URLs on private networks refused when the operator has not allowed them.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { inboxes } from '../../db/schema.js';
import { verifySignature } from '../../platform/outbound/signature.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { startReceiver, type Behaviour, type Receiver, type Received } from '../../test-support/webhook-receiver.js';
import { subscribe } from '../../test-support/webhooks.js';

const ALLOW_PRIVATE = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '5000' };
/** Retries a tenth of a second apart and growing, so a receiver's outage costs seconds, not hours. */
const SHORT_BACKOFF = (attempt: number) => 100 * attempt;
const MISSING_DELIVERY = '00000000-0000-4000-8000-000000000000';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(await databaseKinds())('API channel end to end on %s', (kind) => {
  let t: TestApp;
  let receiver: Receiver;
  let setups = 0;

  const api = (session: Session, method: Method, url: string, payload?: object) => call(t.app, session, { method, url, ...(payload ? { payload } : {}) });

  /**
   * What an administrator sets up for the company, signed in: a write token for its backend, an
   * `api` inbox whose callback URL is the company's receiver, and a webhook for its other systems.
   */
  async function company(name: string, callbackBehaviour?: Behaviour) {
    const admin = await registerAccount(t.app, name);
    const tag = `${kind}-${++setups}`;
    const token = await api(admin, 'POST', '/api/access-tokens', { name: 'Shop backend', scope: 'write' });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    const callbackPath = `/shop-${tag}/replies`;
    const created = await api(admin, 'POST', '/api/inboxes', { name: 'Shop app', channelType: 'api', settings: { callbackUrl: receiver.url(callbackPath) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const inbox = created.body.inbox as { id: number; identifier: string; secret: string; settings: { callbackUrl: string } };
    expect(inbox.secret).toEqual(expect.any(String));
    receiver.expect(callbackPath, inbox.secret, callbackBehaviour);
    const hooksPath = `/crm-${tag}/events`;
    const webhook = await subscribe(t.app, admin, receiver, hooksPath, ['message.created', 'ai.classification']);
    /** The company's backend: nothing but its access token. */
    const backend = (method: Method, url: string, payload?: object) =>
      call(t.app, undefined, { method, url, headers: bearer(token.body.token), ...(payload ? { payload } : {}) });
    return { admin, backend, inbox, webhook, callbackPath, hooksPath };
  }

  /** Waits for the customer message's classification and reply draft, as the agents' API shows them. */
  async function triaged(session: Session, conversationId: number, messageId: number) {
    const classification = await eventually('the classification of the customer message', async () => {
      const answer = await api(session, 'GET', `/api/conversations/${conversationId}/classification`);
      return answer.status === 200 && answer.body.classification.messageId === messageId ? answer.body.classification : undefined;
    });
    expect(classification).toMatchObject({ category: expect.any(String), priority: expect.any(String), language: expect.any(String) });
    const draft = await eventually('the reply draft of the customer message', async () => {
      const answer = await api(session, 'GET', `/api/conversations/${conversationId}/drafts`);
      return answer.status === 200 && answer.body.draft.messageId === messageId ? answer.body.draft : undefined;
    });
    expect(draft).toMatchObject({ conversationId, outcome: 'proposed', content: expect.stringMatching(/\S/) });
    return { classification, draft };
  }

  /** A request that arrived signed with `secret` (checked here as a receiver would), its delivery id being the body's. */
  function expectSigned(request: Received, secret: string, event: string) {
    expect(verifySignature(secret, request.headers['x-hummdesk-signature'] as string, request.raw), request.raw.slice(0, 200)).toBe(true);
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-hummdesk-event': event, 'x-hummdesk-delivery': request.payload.id });
    expect(request.payload).toMatchObject({ event, id: expect.any(String), accountId: expect.any(Number), timestamp: expect.any(String) });
  }

  /** The first page of the inbox's callback log, as an administrator reads it. */
  async function callbackLog(session: Session, inboxId: number, query = 'limit=100') {
    const page = await api(session, 'GET', `/api/inboxes/${inboxId}/deliveries?${query}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    return page.body as { data: any[]; nextCursor: string | null };
  }

  beforeAll(async () => {
    t = await createTestApp(kind, ALLOW_PRIVATE, { runWorkers: true, backoff: SHORT_BACKOFF });
    receiver = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it("carries a customer from the company's backend (access token only) to an agent and the agent's reply back to the callback URL, signed", async () => {
    const { admin, backend, inbox, webhook, callbackPath, hooksPath } = await company('Token shop');

    // The company's backend opens a conversation for its customer in the API inbox.
    const opened = await backend('POST', '/api/conversations', {
      inboxId: inbox.id,
      contact: { name: 'Cora Customer', email: `cora.${kind}@example.org` },
      message: { content: 'My order 1234 has not arrived yet, where is my parcel?' },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const conversation = opened.body.conversation;
    const customerMessage = opened.body.message;
    expect(conversation).toMatchObject({ inboxId: inbox.id, contact: { name: 'Cora Customer' } });
    expect(customerMessage).toMatchObject({ messageType: 'incoming', private: false });

    // Classified and drafted, as every customer message is.
    const { classification, draft } = await triaged(admin, conversation.id, customerMessage.id);

    // The agent writes a note, then sends the AI's draft as the reply.
    const note = await api(admin, 'POST', `/api/conversations/${conversation.id}/messages`, { content: 'Courier says Tuesday', private: true });
    expect(note.status).toBe(201);
    const sent = await api(admin, 'POST', `/api/ai/drafts/${draft.id}/send`, {});
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const reply = sent.body.message;
    expect(reply).toMatchObject({ messageType: 'outgoing', private: false });
    expect(reply.content.trim()).toBe(draft.content.trim());

    // The reply, and only it, reaches the company's callback URL, signed with the inbox's secret.
    const callback = await eventuallyFound('the reply at the callback URL', receiver.received, (request) => request.path === callbackPath);
    expectSigned(callback, inbox.secret, 'message.created');
    expect(callback.verified).toBe(true);
    // Nobody else's secret signs it: not the webhook's.
    expect(verifySignature(webhook.secret, callback.headers['x-hummdesk-signature'] as string, callback.raw)).toBe(false);
    expect(callback.payload).toMatchObject({
      accountId: admin.accountId,
      data: { message: reply, conversation: { id: conversation.id, inboxId: inbox.id, contact: { name: 'Cora Customer' } } },
    });
    const delivered = await eventually('the callback recorded as delivered', async () => {
      const { data } = await callbackLog(admin, inbox.id);
      return data.length === 1 && data[0].status === 'delivered' ? data[0] : undefined;
    });
    expect(delivered).toMatchObject({ id: callback.payload.id, event: 'message.created', attempts: 1, responseStatus: 200, error: null });
    expect(receiver.at(callbackPath)).toHaveLength(1);

    // The account's webhook heard the customer message, the note, the reply and the classification, each signed with its secret.
    const hooks = (event: string, matching: (data: any) => boolean) =>
      eventuallyFound(
        `${event} at the webhook`,
        receiver.received,
        (request) => request.path === hooksPath && request.payload?.event === event && matching(request.payload.data),
      );
    const heardCustomer = await hooks('message.created', (data) => data.message.id === customerMessage.id);
    const heardNote = await hooks('message.created', (data) => data.message.id === note.body.message.id);
    const heardReply = await hooks('message.created', (data) => data.message.id === reply.id);
    const heardClassification = await hooks('ai.classification', (data) => data.messageId === customerMessage.id);
    expect(heardNote.payload.data.message.private).toBe(true);
    expect(heardReply.payload.id).not.toBe(callback.payload.id);
    expect(heardClassification.payload.data).toMatchObject({ conversationId: conversation.id, classification: { category: classification.category } });
    for (const request of [heardCustomer, heardNote, heardReply, heardClassification]) {
      expectSigned(request, webhook.secret, request.payload.event);
      expect(verifySignature(inbox.secret, request.headers['x-hummdesk-signature'] as string, request.raw)).toBe(false);
    }

    // The backend reads the reply back with its token too.
    const thread = await backend('GET', `/api/conversations/${conversation.id}/messages?limit=100`);
    expect(thread.body.data.map((message: { id: number }) => message.id)).toContain(reply.id);
  }, 120_000);

  it("carries a customer through the public client API (no agent token at all) and the agent's reply back to the callback URL", async () => {
    const { admin, inbox, callbackPath } = await company('Public shop');
    const base = `/api/public/inboxes/${inbox.identifier}`;

    // The backend, as README's API channel shows: a contact, then a conversation with its first message.
    const contact = await call(t.app, undefined, { method: 'POST', url: `${base}/contacts`, payload: { name: 'Pekka Public' } });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    const contactPath = `${base}/contacts/${contact.body.contact.identifier}`;
    const asContact = bearer(contact.body.token);
    const opened = await call(t.app, undefined, {
      method: 'POST',
      url: `${contactPath}/conversations`,
      headers: asContact,
      payload: { message: { content: 'I was charged twice for my subscription, please refund one payment' } },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const conversationId = opened.body.conversation.id;
    await triaged(admin, conversationId, opened.body.message.id);

    await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Refund issue, check Stripe', private: true });
    const reply = (await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Refunded, sorry about that!' })).body.message;

    const callback = await eventuallyFound('the reply at the callback URL', receiver.received, (request) => request.path === callbackPath);
    expectSigned(callback, inbox.secret, 'message.created');
    // The conversation is the one the backend opened: it knows whose reply this is.
    expect(callback.payload.data).toMatchObject({ message: { id: reply.id, content: 'Refunded, sorry about that!' }, conversation: { id: conversationId } });
    expect(callback.payload.data.conversation.contactInboxId).toEqual(expect.any(Number));
    // The same reply through the public API; the note in neither.
    const messages = await call(t.app, undefined, { method: 'GET', url: `${contactPath}/conversations/${conversationId}/messages`, headers: asContact });
    expect(messages.body.data.map((message: { content: string }) => message.content)).toEqual([
      'I was charged twice for my subscription, please refund one payment',
      'Refunded, sorry about that!',
    ]);
    await eventually('the callback delivered', async () => ((await callbackLog(admin, inbox.id)).data[0]?.status === 'delivered' ? true : undefined));
    expect(receiver.at(callbackPath).map((request) => request.payload.data.message.id)).toEqual([reply.id]);
  }, 120_000);

  it("keeps each API inbox's callbacks in a log administrators read and redeliver from, through a receiver's outage", async () => {
    // The company's receiver is down for its first request (503), then back; from its fifth on it never answers.
    const { admin, inbox, callbackPath, webhook } = await company('Logged shop', (nth) => (nth === 1 ? 503 : nth >= 5 ? 'hang' : 200));
    const opened = await api(admin, 'POST', '/api/conversations', { inboxId: inbox.id, contact: { name: 'Lotta Log' }, message: { content: 'Hello?' } });
    const conversationId = opened.body.conversation.id;
    const reply = (text: string) => api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: text });
    const arrivedFor = (messageId: number) =>
      eventuallyFound(
        `the callback of message ${messageId}`,
        receiver.received,
        (request) => request.path === callbackPath && request.payload.data.message.id === messageId,
      );

    await reply('First answer');
    const [first] = (await callbackLog(admin, inbox.id)).data;
    const retried = await eventually('the callback delivered after the outage', async () => {
      const { data } = await callbackLog(admin, inbox.id);
      return data[0]?.status === 'delivered' ? data[0] : undefined;
    });
    expect(retried).toMatchObject({ id: first.id, event: 'message.created', attempts: 2, responseStatus: 200, error: null, durationMs: expect.any(Number) });
    const outage = receiver.at(callbackPath);
    expect(outage.map((request) => [request.answered, request.payload.id, request.verified])).toEqual([
      [503, first.id, true],
      [200, first.id, true],
    ]);
    expect(outage[0]!.raw).toBe(outage[1]!.raw);

    // A second reply: the log pages newest first.
    const second = await arrivedFor((await reply('Second answer')).body.message.id);
    const page1 = await callbackLog(admin, inbox.id, 'limit=1');
    expect(page1.data.map((delivery) => delivery.id)).toEqual([second.payload.id]);
    const page2 = await callbackLog(admin, inbox.id, `limit=1&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    expect(page2).toEqual({ data: [expect.objectContaining({ id: first.id, status: 'delivered' })], nextCursor: null });

    // Redeliver, after a new secret: the same id and body, signed with the inbox's secret of now.
    const rotated = (await api(admin, 'POST', `/api/inboxes/${inbox.id}/rotate-secret`)).body.inbox;
    receiver.expect(callbackPath, rotated.secret);
    const again = await api(admin, 'POST', `/api/inboxes/${inbox.id}/deliveries/${first.id}/redeliver`);
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.delivery).toMatchObject({ id: first.id, event: 'message.created' });
    const redelivered = await eventually('the redelivery', () => receiver.at(callbackPath).filter((request) => request.payload.id === first.id)[2]);
    expect(redelivered.raw).toBe(outage[0]!.raw);
    expectSigned(redelivered, rotated.secret, 'message.created');
    expect(verifySignature(inbox.secret, redelivered.headers['x-hummdesk-signature'] as string, redelivered.raw)).toBe(false);
    await eventually('the redelivery recorded', async () => {
      const row = (await callbackLog(admin, inbox.id)).data.find((delivery) => delivery.id === first.id);
      return row?.status === 'delivered' && row.attempts === 3 ? row : undefined;
    });

    // A callback still on its way (the receiver holds it without answering) is not sent twice.
    const third = await arrivedFor((await reply('Third answer')).body.message.id);
    expect(third.answered).toBeNull();
    expectError(await api(admin, 'POST', `/api/inboxes/${inbox.id}/deliveries/${third.payload.id}/redeliver`), 409, 'delivery_pending');
    // A delivery of a webhook, or of nothing, is not the inbox's; a callback is not the webhook's.
    const test = await api(admin, 'POST', `/api/webhooks/${webhook.id}/test`);
    expect(test.status).toBe(202);
    for (const deliveryId of [test.body.delivery.id, MISSING_DELIVERY]) {
      expectError(await api(admin, 'POST', `/api/inboxes/${inbox.id}/deliveries/${deliveryId}/redeliver`), 404, 'not_found');
    }
    expectError(await api(admin, 'POST', `/api/webhooks/${webhook.id}/deliveries/${first.id}/redeliver`), 404, 'not_found');
    expect((await callbackLog(admin, inbox.id)).data.map((delivery) => delivery.id)).toEqual([third.payload.id, second.payload.id, first.id]);

    // Without a callback URL there is nowhere to send it again; the one on its way ends unsent.
    const cleared = await api(admin, 'PATCH', `/api/inboxes/${inbox.id}`, { settings: { callbackUrl: null } });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expectError(await api(admin, 'POST', `/api/inboxes/${inbox.id}/deliveries/${first.id}/redeliver`), 409, 'no_callback_url');
    const ended = await eventually('the held callback ended', async () => {
      const row = (await callbackLog(admin, inbox.id)).data.find((delivery) => delivery.id === third.payload.id);
      return row?.status === 'failed' ? row : undefined;
    });
    expect(ended.error).toBe('Not sent: the inbox has no callback URL any more');
    // Other inboxes have logs too, empty ones.
    const website = (await api(admin, 'POST', '/api/inboxes', { name: 'Website', channelType: 'web_widget' })).body.inbox;
    expect(await callbackLog(admin, website.id)).toEqual({ data: [], nextCursor: null });
    expectError(await api(admin, 'POST', `/api/inboxes/${website.id}/deliveries/${first.id}/redeliver`), 404, 'not_found');
  }, 120_000);

  it("shows an inbox's callbacks to its account's administrators only", async () => {
    const { admin, inbox } = await company('Private shop');
    const opened = await api(admin, 'POST', '/api/conversations', { inboxId: inbox.id, contact: { name: 'Olli' }, message: { content: 'Hi' } });
    await api(admin, 'POST', `/api/conversations/${opened.body.conversation.id}/messages`, { content: 'Hello Olli' });
    const [delivery] = (await callbackLog(admin, inbox.id)).data;
    expect(delivery).toBeDefined();

    const email = `callbacks-agent.${kind}.${Date.now()}@example.com`;
    await api(admin, 'POST', '/api/agents', { name: 'Plain Agent', email, password: 'agent password 1' });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    const agent: Session = { token: login.body.token, accountId: admin.accountId, userId: login.body.user.id, auth: bearer(login.body.token) };
    const other = await registerAccount(t.app, 'Snooping shop');
    const routes = [
      ['GET', `/api/inboxes/${inbox.id}/deliveries`],
      ['POST', `/api/inboxes/${inbox.id}/deliveries/${delivery.id}/redeliver`],
    ] as const;
    for (const [method, url] of routes) {
      expectError(await api(agent, method, url), 403, 'forbidden', `${method} ${url}`);
      // Another account's administrator: as if the inbox did not exist.
      const foreign = await api(other, method, url);
      expectError(foreign, 404, 'not_found', `${method} ${url}`);
      const missing = await api(other, method, url.replace(`/inboxes/${inbox.id}/`, '/inboxes/2147483647/'));
      expect(foreign.body.error.message).toBe(missing.body.error.message);
    }
    expectError(await api(admin, 'GET', `/api/inboxes/${inbox.id}/deliveries?limit=0`), 400, 'validation_error');
    expectError(await api(admin, 'GET', `/api/inboxes/${inbox.id}/deliveries?cursor=garbage`), 400);
    expectError(await api(admin, 'POST', `/api/inboxes/${inbox.id}/deliveries/not-a-uuid/redeliver`), 400, 'validation_error');
    expectError(await api(admin, 'GET', '/api/inboxes/0/deliveries'), 400, 'validation_error');
  });
});

describe.each(await databaseKinds())('API channel callbacks without the operator allowing private networks on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true, backoff: () => 100 });
    receiver = await startReceiver();
    admin = await registerAccount(t.app, 'Careful shop');
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it.each([
    ['a loopback receiver', (r: Receiver) => r.url('/loopback'), /^127\.0\.0\.1 resolves to .*private networks are not allowed/],
    ['a private-network address', () => 'http://10.0.0.1/callback', /^10\.0\.0\.1 resolves to .*private networks are not allowed/],
  ])('refuses to send a reply to %s, and nothing reaches it', async (name, target, refusal) => {
    const inbox = (await call(t.app, admin, { method: 'POST', url: '/api/inboxes', payload: { name: `Shop with ${name}`, channelType: 'api' } })).body.inbox;
    // Refused when saved...
    const saved = await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { settings: { callbackUrl: target(receiver) } } });
    expectError(saved, 422, 'private_destination');
    // ...and when sent, for a URL stored all the same (saved while the operator allowed private networks, or a name re-pointed since).
    await withTenant(t.database.db, { accountId: admin.accountId }, (tx) =>
      tx
        .update(inboxes)
        .set({ settings: { callbackUrl: target(receiver) } })
        .where(eq(inboxes.id, inbox.id)),
    );
    const opened = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { inboxId: inbox.id, contact: { name: 'Careful Customer' }, message: { content: 'Hello' } },
    });
    await call(t.app, admin, { method: 'POST', url: `/api/conversations/${opened.body.conversation.id}/messages`, payload: { content: 'Our reply' } });

    const failed = await eventually('the callback given up', async () => {
      const page = await call(t.app, admin, { method: 'GET', url: `/api/inboxes/${inbox.id}/deliveries` });
      return page.body.data[0]?.status === 'failed' ? page.body.data[0] : undefined;
    });
    expect(failed).toMatchObject({ event: 'message.created', responseStatus: null, deliveredAt: null, error: expect.stringMatching(refusal) });
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(receiver.received).toEqual([]);
    // Its job is over: nothing more will be tried.
    const jobs = await eventually('the callback job finished', async () => {
      const rows = await queryRows<{ state: string }>(t.database.db, sql`select state from jobs where key = ${failed.id}`);
      return rows.every((row) => row.state === 'failed' || row.state === 'completed') ? rows : undefined;
    });
    expect(jobs).toHaveLength(1);
  });
});
