/**
 * Webhook deliveries end to end, against real receivers on 127.0.0.1 that verify every
 * signature: every event with the API's own resources, retries of a receiver that fails, is
 * down or is slow, `410 Gone` and days of failure disabling a webhook (its administrators hear
 * it live, nobody else does), API-channel callbacks signed with the inbox's secret, and
 * deliveries written with their change surviving a process that stops before sending them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { createJobQueue } from '../../platform/queue/queue.js';
import { buildTestApp, call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound } from '../../test-support/checks.js';
import { createTestDatabase, databaseKinds } from '../../test-support/databases.js';
import { connected, connectSocket, nextEvent, openFeed, recordEvents } from '../../test-support/sockets.js';
import { startReceiver, type Receiver } from '../../test-support/webhook-receiver.js';
import { deliveryLog, deliveryWhen, settled, subscribe } from '../../test-support/webhooks.js';
import { DELIVERY_ATTEMPTS } from './webhooks.repo.js';
import { WEBHOOK_EVENTS } from './webhooks.schema.js';

const ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '2000' };
/** Retries a tenth of a second apart and growing, so ten attempts take seconds rather than a day. */
const SHORT_BACKOFF = (attempt: number) => 100 * attempt;

describe.each(await databaseKinds())('webhook deliveries on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let receiver: Receiver;
  const sockets: Socket[] = [];

  const api = (session: Session, method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) =>
    call(t.app, session, { method, url: path, ...(payload ? { payload } : {}) });
  const openConversation = async (session: Session, content = 'My parcel never arrived, where is my order?', inboxId?: number) => {
    const opened = await api(session, 'POST', '/api/conversations', {
      ...(inboxId ? { inboxId } : {}),
      contact: { name: 'Webhook Customer' },
      message: { content },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    return opened.body as { conversation: any; message: any };
  };
  const socketOf = async (token: string) => {
    const socket = connectSocket(url, token);
    sockets.push(socket);
    await connected(socket);
    return socket;
  };
  const agentOf = async (session: Session): Promise<Session> => {
    const email = `deliveries-agent.${session.accountId}.${Date.now()}@example.com`;
    await api(session, 'POST', '/api/agents', { name: 'Plain Agent', email, password: 'agent password 1' });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    return { token: login.body.token, accountId: session.accountId, userId: login.body.user.id, auth: { authorization: `Bearer ${login.body.token}` } };
  };

  beforeAll(async () => {
    t = await createTestApp(kind, ENV, { runWorkers: true, backoff: SHORT_BACKOFF });
    url = await listen(t.app);
    receiver = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await receiver?.close();
    await t?.close();
  });

  it("sends every event signed, with the API's own resources", async () => {
    const a = await registerAccount(t.app, 'All events');
    const webhook = await subscribe(t.app, a, receiver, '/all', WEBHOOK_EVENTS);
    const opened = await openConversation(a);
    const id = opened.conversation.id;
    await api(a, 'PATCH', `/api/conversations/${id}`, { status: 'resolved' });
    await api(a, 'PATCH', `/api/conversations/${id}`, { priority: 'urgent' });
    const reply = (await api(a, 'POST', `/api/conversations/${id}/messages`, { content: 'We are on it' })).body.message;
    const note = (await api(a, 'POST', `/api/conversations/${id}/messages`, { content: 'Check the courier', private: true })).body.message;

    const arrived = (event: string, matching: (data: any) => boolean = () => true) =>
      eventuallyFound(
        `${event} at the receiver`,
        receiver.received,
        (request) => request.path === '/all' && request.payload?.event === event && matching(request.payload.data),
      );
    const created = await arrived('conversation.created');
    expect(created.payload.data.conversation).toMatchObject({
      id,
      displayId: opened.conversation.displayId,
      status: 'open',
      contact: opened.conversation.contact,
    });
    const incoming = await arrived('message.created', (data) => data.message.id === opened.message.id);
    expect(incoming.payload.data).toEqual({ message: opened.message, conversation: expect.objectContaining({ id }) });
    const resolved = await arrived('conversation.status_changed');
    expect(resolved.payload.data.conversation.status).toBe('resolved');
    expect(resolved.payload.data.changedAttributes).toEqual(expect.arrayContaining(['status', 'resolvedAt']));
    const urgent = await arrived('conversation.updated', (data) => data.changedAttributes.includes('priority') && data.conversation.priority === 'urgent');
    expect(urgent.payload.data.changedAttributes).not.toContain('status');
    const replied = await arrived('message.created', (data) => data.message.id === reply.id);
    expect(replied.payload.data.message).toEqual(reply);
    expect(replied.payload.data.conversation.firstReplyAt).not.toBeNull();
    expect((await arrived('message.created', (data) => data.message.id === note.id)).payload.data.message.private).toBe(true);
    const classified = await arrived('ai.classification');
    expect(classified.payload.data).toMatchObject({ conversationId: id, messageId: opened.message.id, classification: { category: expect.any(String) } });
    const drafted = await arrived('ai.draft');
    expect(drafted.payload.data).toMatchObject({ conversationId: id, messageId: opened.message.id, draft: { content: expect.any(String) } });

    const all = receiver.at('/all');
    for (const request of all) {
      expect(request.verified, request.raw.slice(0, 200)).toBe(true);
      expect(Object.keys(request.payload).sort()).toEqual(['accountId', 'data', 'event', 'id', 'timestamp']);
      expect(request.payload.accountId).toBe(a.accountId);
      expect(new Date(request.payload.timestamp).toISOString()).toBe(request.payload.timestamp);
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'HummDesk-Webhooks',
        'x-hummdesk-event': request.payload.event,
        'x-hummdesk-delivery': request.payload.id,
      });
    }
    // Every delivery arrived, each under its own id; an id arrives again only with a retry (an
    // attempt that timed out while the embedded database and the AI models kept the process busy).
    // The sender records an outcome once the receiver has answered: the last can still be pending.
    const log = await eventually('every delivery recorded with its outcome', async () => {
      const deliveries = await deliveryLog(t.app, a, webhook.id);
      return deliveries.every((delivery) => delivery.status !== 'pending') ? deliveries : undefined;
    });
    expect(new Set(all.map((request) => request.payload.id))).toEqual(new Set(log.map((delivery) => delivery.id)));
    for (const delivery of log) {
      expect(delivery).toMatchObject({ status: 'delivered', responseStatus: 200, error: null, durationMs: expect.any(Number) });
      expect(all.filter((request) => request.payload.id === delivery.id).length).toBeLessThanOrEqual(delivery.attempts);
    }
  }, 120_000);

  it('retries a receiver that answers 500 and delivers once, under the same id', async () => {
    const a = await registerAccount(t.app, 'Flaky');
    const webhook = await subscribe(t.app, a, receiver, '/flaky', ['conversation.created'], (nth) => (nth === 1 ? 500 : 200));
    await openConversation(a);
    const [delivery] = await deliveryLog(t.app, a, webhook.id);
    const done = await settled(t.app, a, webhook.id, delivery.id, 2);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, responseStatus: 200, error: null });
    const sent = receiver.at('/flaky');
    expect(sent.map((request) => request.answered)).toEqual([500, 200]);
    expect(sent.map((request) => request.headers['x-hummdesk-delivery'])).toEqual([delivery.id, delivery.id]);
    expect(sent.every((request) => request.verified && request.raw === sent[0]!.raw)).toBe(true);
  });

  it('keeps retrying a receiver that is down, and delivers when it is back', async () => {
    const a = await registerAccount(t.app, 'Outage');
    // A port nothing listens on (yet).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const down = await call(t.app, a, {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: `http://127.0.0.1:${port}/back`, events: ['conversation.created'] },
    });
    const webhookId = down.body.webhook.id;
    await openConversation(a);
    const failing = await deliveryWhen(t.app, a, webhookId, undefined, (delivery) => delivery.attempts >= 2);
    expect(failing).toMatchObject({ status: 'pending', responseStatus: null, error: 'Connection refused (ECONNREFUSED)' });

    const back = await startReceiver(port);
    try {
      back.expect('/back', down.body.webhook.secret);
      const done = await settled(t.app, a, webhookId, failing.id, 3);
      expect(done.status).toBe('delivered');
      expect(back.at('/back').map((request) => [request.verified, request.payload.id])).toEqual([[true, failing.id]]);
    } finally {
      await back.close();
    }
  });

  it('records a slow receiver as timed out, and stops when the webhook is disabled', async () => {
    const a = await registerAccount(t.app, 'Slow');
    const webhook = await subscribe(t.app, a, receiver, '/slow', ['conversation.created'], () => 'hang');
    await openConversation(a);
    const timedOut = await deliveryWhen(t.app, a, webhook.id, undefined, (delivery) => delivery.attempts >= 1);
    expect(timedOut).toMatchObject({ status: 'pending', responseStatus: null, error: 'No answer within 2000 ms' });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(1_900);

    await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, { enabled: false });
    const stopped = await settled(t.app, a, webhook.id, timedOut.id);
    expect(stopped.status).toBe('failed');
    expect(stopped.error).toMatch(/^Not sent: the webhook (was|is) disabled$/);
    // Its job is over: nothing more will be sent.
    const jobs = await eventually('the delivery job finished', async () => {
      const rows = await queryRows<{ state: string }>(t.database.db, sql`select state from jobs where key = ${timedOut.id}`);
      return rows.every((row) => row.state === 'completed' || row.state === 'failed') ? rows : undefined;
    });
    expect(jobs).toHaveLength(1);
    const requests = receiver.at('/slow').length;
    expect((await deliveryLog(t.app, a, webhook.id))[0].attempts).toBe(requests);
  });

  it("disables a webhook answered 410 Gone at once, and tells the account's administrators only", async () => {
    const a = await registerAccount(t.app, 'Gone');
    const other = await registerAccount(t.app, 'Bystander');
    const agent = await agentOf(a);
    const [admin, plain, outsider] = await Promise.all([socketOf(a.token), socketOf(agent.token), socketOf(other.token)]);
    const seenByAgent = recordEvents(plain);
    const seenByOutsider = recordEvents(outsider);
    const feed = await openFeed(url, a.token);
    await feed.opened;

    const webhook = await subscribe(t.app, a, receiver, '/gone', ['conversation.created', 'message.created'], () => 410);
    const notice = nextEvent(admin, 'webhook:disabled');
    await openConversation(a);
    const envelope = await notice;
    expect(envelope).toMatchObject({
      accountId: a.accountId,
      data: { webhook: { id: webhook.id, enabled: false, disabledReason: 'The receiver answered 410 Gone' } },
    });
    expect(envelope.data.webhook).not.toHaveProperty('secret');
    expect((await api(a, 'GET', `/api/webhooks/${webhook.id}`)).body.webhook).toMatchObject({
      enabled: false,
      disabledReason: 'The receiver answered 410 Gone',
    });
    // The first delivery met the 410; the other (sent alongside or not yet) is not retried.
    const log = await eventually('no delivery left pending', async () => {
      const rows = await deliveryLog(t.app, a, webhook.id);
      return rows.every((delivery) => delivery.status === 'failed') ? rows : undefined;
    });
    expect(log.some((delivery) => delivery.responseStatus === 410 && delivery.attempts === 1)).toBe(true);
    expect(receiver.at('/gone').length).toBeLessThanOrEqual(2);

    // A disabled webhook gets no deliveries for what happens next.
    await openConversation(a, 'Another question');
    expect(await deliveryLog(t.app, a, webhook.id)).toHaveLength(log.length);
    // Agents, other accounts and the account's event feed never hear of it.
    const noticed = (events: { event: string }[]) => events.some((event) => event.event === 'webhook:disabled');
    expect(noticed(seenByAgent)).toBe(false);
    expect(noticed(seenByOutsider)).toBe(false);
    expect(feed.received.some((envelope: { event: string }) => envelope.event === 'webhook:disabled')).toBe(false);
    feed.ws.close();
  });

  it('disables a webhook when a delivery gives up after days without any success', async () => {
    const a = await registerAccount(t.app, 'Long outage');
    const admin = await socketOf(a.token);
    const failingLong = await subscribe(t.app, a, receiver, '/down-for-days', ['conversation.created'], () => 503);
    const failingNow = await subscribe(t.app, a, receiver, '/down-today', ['conversation.created'], () => 503);
    // The first has had nothing through for four days (made then, never delivered since).
    await t.database.db.execute(
      sql`update webhooks set created_at = now() - interval '4 days', updated_at = now() - interval '4 days' where id = ${failingLong.id}`,
    );
    const notice = nextEvent(admin, 'webhook:disabled', 120_000);
    await openConversation(a);

    const [long] = await deliveryLog(t.app, a, failingLong.id);
    const [recent] = await deliveryLog(t.app, a, failingNow.id);
    const gaveUp = await settled(t.app, a, failingLong.id, long.id, DELIVERY_ATTEMPTS);
    expect(gaveUp).toMatchObject({
      status: 'failed',
      attempts: DELIVERY_ATTEMPTS,
      responseStatus: 503,
      error: 'HTTP 503 Service Unavailable: receiver said 503',
    });
    expect((await notice).data.webhook).toMatchObject({ id: failingLong.id, enabled: false, disabledReason: 'No delivery has succeeded for 3 days' });

    // The other failed as long, but has not been failing for days: it stays on.
    await settled(t.app, a, failingNow.id, recent.id, DELIVERY_ATTEMPTS);
    expect((await api(a, 'GET', `/api/webhooks/${failingNow.id}`)).body.webhook).toMatchObject({ enabled: true, disabledReason: null });
    // One request an attempt at most (an attempt that timed out on a busy machine may not have arrived whole).
    expect(receiver.at('/down-for-days').length).toBeLessThanOrEqual(DELIVERY_ATTEMPTS);
  }, 120_000);

  it("POSTs an agent's public reply in an API inbox to its callback URL, signed with the inbox's secret", async () => {
    const a = await registerAccount(t.app, 'API channel');
    const inbox = (await api(a, 'POST', '/api/inboxes', { name: 'Shop app', channelType: 'api', settings: { callbackUrl: receiver.url('/callback') } })).body
      .inbox;
    expect(inbox.secret).toEqual(expect.any(String));
    receiver.expect('/callback', inbox.secret);
    const bare = (await api(a, 'POST', '/api/inboxes', { name: 'No callback', channelType: 'api' })).body.inbox;
    const widget = (await api(a, 'POST', '/api/inboxes', { name: 'Website', channelType: 'web_widget' })).body.inbox;

    const opened = await openConversation(a, 'Hello from the app', inbox.id);
    const id = opened.conversation.id;
    await api(a, 'POST', `/api/conversations/${id}/messages`, { content: 'Internal only', private: true });
    await api(a, 'POST', `/api/conversations/${id}/messages`, { content: 'Customer again', messageType: 'incoming' });
    const reply = (await api(a, 'POST', `/api/conversations/${id}/messages`, { content: 'Here is your answer' })).body.message;
    for (const elsewhere of [bare.id, widget.id]) {
      const conversation = (await openConversation(a, 'Elsewhere', elsewhere)).conversation;
      await api(a, 'POST', `/api/conversations/${conversation.id}/messages`, { content: 'Reply elsewhere' });
    }
    // Written with the reply, and only for it: notes, customer messages and other inboxes get none.
    const rows = await queryRows<{ inbox_id: number; event: string }>(
      t.database.db,
      sql`select inbox_id, event from webhook_deliveries where account_id = ${a.accountId} and inbox_id is not null`,
    );
    expect(rows).toEqual([{ inbox_id: inbox.id, event: 'message.created' }]);

    const callback = await eventuallyFound('the callback', receiver.received, (request) => request.path === '/callback');
    expect(callback.verified).toBe(true);
    expect(callback.headers).toMatchObject({ 'x-hummdesk-event': 'message.created', 'x-hummdesk-delivery': callback.payload.id });
    expect(callback.payload).toMatchObject({
      event: 'message.created',
      accountId: a.accountId,
      data: { message: reply, conversation: { id, inboxId: inbox.id } },
    });
    const [row] = await eventually('the callback recorded as delivered', async () => {
      const found = await queryRows<{ status: string; attempts: number }>(
        t.database.db,
        sql`select status, attempts from webhook_deliveries where id = ${callback.payload.id}`,
      );
      return found[0]?.status === 'delivered' ? found : undefined;
    });
    expect(row).toEqual({ status: 'delivered', attempts: 1 });
    expect(receiver.at('/callback')).toHaveLength(1);
  });

  it('writes nothing for an account without webhooks or callbacks', async () => {
    const a = await registerAccount(t.app, 'Quiet');
    const opened = await openConversation(a);
    await api(a, 'POST', `/api/conversations/${opened.conversation.id}/messages`, { content: 'Reply' });
    await api(a, 'PATCH', `/api/conversations/${opened.conversation.id}`, { status: 'resolved' });
    const [counts] = await queryRows<{ deliveries: number; jobs: number }>(
      t.database.db,
      sql`select (select count(*)::int from webhook_deliveries where account_id = ${a.accountId}) as deliveries,
                 (select count(*)::int from jobs where account_id = ${a.accountId} and queue = 'webhook-delivery') as jobs`,
    );
    expect(counts).toEqual({ deliveries: 0, jobs: 0 });
  });
});

describe.each(await databaseKinds())('webhook deliveries written with their change on %s', (kind) => {
  it('are sent by the next process when the one that committed them stopped before sending', async () => {
    const testDb = await createTestDatabase(kind);
    const receiver = await startReceiver();
    const logger = pino({ level: 'silent' });
    const queueOf = () => createJobQueue({ db: testDb.database.db, redisPrefix: 'hummdesk-test', singleProcess: kind === 'pglite', logger });
    try {
      // A process that runs no workers commits a change and goes away.
      const first = await buildTestApp(testDb.database, ENV, undefined, false, logger, queueOf());
      const a = await registerAccount(first, 'Outbox');
      const webhook = await subscribe(first, a, receiver, '/outbox', ['conversation.created']);
      await call(first, a, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'C' }, message: { content: 'Hi' } } });
      const [pending] = await deliveryLog(first, a, webhook.id);
      expect(pending).toMatchObject({ status: 'pending', attempts: 0 });
      await first.close();
      expect(receiver.received).toEqual([]);

      // The next one delivers it, under the id written with the change.
      const second = await buildTestApp(testDb.database, ENV, undefined, true, logger, queueOf());
      try {
        const done = await settled(second, a, webhook.id, pending.id);
        expect(done.status).toBe('delivered');
        expect(receiver.at('/outbox').map((request) => [request.verified, request.payload.id])).toEqual([[true, pending.id]]);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      await testDb.drop();
    }
  }, 120_000);
});
