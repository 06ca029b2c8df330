/**
 * The webhooks API as administrators use it: subscriptions, hostile input, the delivery log with
 * "send test" and "redeliver", secret rotation, private destinations, and another account's
 * webhooks staying invisible (over HTTP and in SQL as hummdesk_app). Real receivers on 127.0.0.1.
 */
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Tx } from '../../db/client.js';
import { webhookDeliveries, webhooks } from '../../db/schema.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { startReceiver, type Receiver } from '../../test-support/webhook-receiver.js';
import { deliveryLog, settled as settledOf, subscribe as subscribeAt } from '../../test-support/webhooks.js';
import { MAX_WEBHOOKS } from './webhooks.service.js';

const ALLOW_PRIVATE = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
const MISSING_DELIVERY = '00000000-0000-4000-8000-000000000000';

describe.each(await databaseKinds())('webhooks API on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let agent: Session;
  let receiver: Receiver;

  const api = (session: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    call(t.app, session, { method, url, ...(payload ? { payload } : {}) });
  const subscribe = (session: Session, path: string, events: string[]) => subscribeAt(t.app, session, receiver, path, events);
  const deliveries = (session: Session, webhookId: number) => deliveryLog(t.app, session, webhookId);
  const settled = (session: Session, webhookId: number, deliveryId: string, attempts = 1) => settledOf(t.app, session, webhookId, deliveryId, attempts);

  beforeAll(async () => {
    t = await createTestApp(kind, ALLOW_PRIVATE, { runWorkers: true, backoff: () => 100 });
    receiver = await startReceiver();
    a = await registerAccount(t.app, 'Hooks A');
    b = await registerAccount(t.app, 'Hooks B');
    const email = `hooks-agent.${process.pid}.${Date.now()}@example.com`;
    await api(a, 'POST', '/api/agents', { name: 'Plain Agent', email, password: 'agent password 1' });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    agent = { token: login.body.token, accountId: a.accountId, userId: login.body.user.id, auth: { authorization: `Bearer ${login.body.token}` } };
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('creates, lists, changes and deletes webhooks, for administrators only', async () => {
    const created = await api(a, 'POST', '/api/webhooks', { url: receiver.url('/crud'), events: ['conversation.created', 'message.created'] });
    expect(created.status).toBe(201);
    const webhook = created.body.webhook;
    expect(webhook).toMatchObject({ url: receiver.url('/crud'), events: ['conversation.created', 'message.created'], enabled: true, disabledReason: null });
    expect(webhook.secret).toMatch(/^whsec_[\w-]{43}$/);

    expect((await api(a, 'GET', '/api/webhooks')).body.data.map((w: { id: number }) => w.id)).toContain(webhook.id);
    expect((await api(a, 'GET', `/api/webhooks/${webhook.id}`)).body.webhook).toEqual(webhook);

    const changed = await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, { events: ['ai.draft'], enabled: false });
    expect(changed.status).toBe(200);
    expect(changed.body.webhook).toMatchObject({ events: ['ai.draft'], enabled: false, disabledReason: null, secret: webhook.secret });
    expect((await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, { enabled: true })).body.webhook.enabled).toBe(true);

    const rotated = await api(a, 'POST', `/api/webhooks/${webhook.id}/rotate-secret`);
    expect(rotated.body.webhook.secret).toMatch(/^whsec_/);
    expect(rotated.body.webhook.secret).not.toBe(webhook.secret);

    // An agent who is not an administrator reads and changes nothing.
    for (const [method, url, payload] of [
      ['GET', '/api/webhooks'],
      ['POST', '/api/webhooks', { url: receiver.url('/agent'), events: ['message.created'] }],
      ['GET', `/api/webhooks/${webhook.id}`],
      ['PATCH', `/api/webhooks/${webhook.id}`, { enabled: false }],
      ['POST', `/api/webhooks/${webhook.id}/rotate-secret`],
      ['DELETE', `/api/webhooks/${webhook.id}`],
      ['GET', `/api/webhooks/${webhook.id}/deliveries`],
      ['POST', `/api/webhooks/${webhook.id}/test`],
    ] as const) {
      expectError(await api(agent, method, url, payload), 403, 'forbidden', `${method} ${url}`);
    }
    expect((await api(a, 'GET', `/api/webhooks/${webhook.id}`)).body.webhook).toEqual(rotated.body.webhook);

    expect((await api(a, 'DELETE', `/api/webhooks/${webhook.id}`)).status).toBe(204);
    expectError(await api(a, 'GET', `/api/webhooks/${webhook.id}`), 404, 'not_found');
  });

  it('refuses hostile input with a clear 4xx, and writes nothing', async () => {
    const before = (await api(a, 'GET', '/api/webhooks')).body.data.length;
    const cases: [object, number, string][] = [
      [{ url: 'ftp://example.com/hook', events: ['message.created'] }, 422, 'invalid_url'],
      [{ url: 'javascript:alert(1)', events: ['message.created'] }, 422, 'invalid_url'],
      [{ url: 'https://user:secret@example.com/hook', events: ['message.created'] }, 422, 'invalid_url'],
      [{ url: 'not a url', events: ['message.created'] }, 422, 'invalid_url'],
      [{ url: `https://example.com/${'a'.repeat(5_000)}`, events: ['message.created'] }, 400, 'validation_error'],
      [{ url: 'https://example.com/hook', events: ['message.deleted'] }, 400, 'validation_error'],
      [{ url: 'https://example.com/hook', events: [] }, 400, 'validation_error'],
      [{ url: 'https://example.com/hook', events: ['message.created', 'message.created'] }, 400, 'validation_error'],
      [{ url: 'https://example.com/hook' }, 400, 'validation_error'],
      [{ url: 'https://example.com/hook', events: ['message.created'], secret: 'mine' }, 400, 'validation_error'],
      [{ url: 42, events: ['message.created'] }, 400, 'validation_error'],
    ];
    for (const [payload, status, code] of cases) {
      const answer = await api(a, 'POST', '/api/webhooks', payload);
      expectError(answer, status, code, JSON.stringify(payload).slice(0, 80));
    }
    const urlError = await api(a, 'POST', '/api/webhooks', { url: 'ftp://example.com/hook', events: ['message.created'] });
    expect(urlError.body.error.details).toEqual([{ field: 'body.url', message: expect.stringContaining('http or https') }]);
    const webhook = await subscribe(a, '/hostile', ['message.created']);
    expectError(await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, {}), 400, 'validation_error');
    expectError(await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, { url: 'gopher://example.com' }), 422, 'invalid_url');
    expectError(await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, { events: ['everything'] }), 400, 'validation_error');
    expectError(await api(a, 'GET', `/api/webhooks/${webhook.id}/deliveries?cursor=garbage`), 400, 'invalid_cursor');
    expectError(await api(a, 'POST', `/api/webhooks/${webhook.id}/deliveries/not-a-uuid/redeliver`), 400, 'validation_error');
    expectError(await api(a, 'GET', '/api/webhooks/0'), 400, 'validation_error');
    expect((await api(a, 'GET', `/api/webhooks/${webhook.id}`)).body.webhook).toEqual(webhook);
    expect((await api(a, 'GET', '/api/webhooks')).body.data.length).toBe(before + 1);
    await api(a, 'DELETE', `/api/webhooks/${webhook.id}`);
  });

  it(`keeps an account to ${MAX_WEBHOOKS} webhooks`, async () => {
    const session = await registerAccount(t.app, 'Many hooks');
    const made = await Promise.all(
      Array.from({ length: MAX_WEBHOOKS + 3 }, (_, i) =>
        api(session, 'POST', '/api/webhooks', { url: `https://hooks.example.com/${i}`, events: ['message.created'] }),
      ),
    );
    expect(made.filter((answer) => answer.status === 201)).toHaveLength(MAX_WEBHOOKS);
    for (const refused of made.filter((answer) => answer.status !== 201)) expectError(refused, 422, 'webhook_limit');
  });

  it('sends a test delivery and redelivers one, with the same id and a new signature', async () => {
    const webhook = await subscribe(a, '/ping', ['conversation.created']);
    const test = await api(a, 'POST', `/api/webhooks/${webhook.id}/test`);
    expect(test.status).toBe(202);
    expect(test.body.delivery).toMatchObject({ event: 'ping', status: 'pending', attempts: 0 });
    const delivered = await settled(a, webhook.id, test.body.delivery.id);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200, error: null });
    const [ping] = receiver.at('/ping');
    expect(ping).toMatchObject({ verified: true, payload: { id: test.body.delivery.id, event: 'ping', accountId: a.accountId } });
    expect(ping!.payload.data.webhook).toEqual({ id: webhook.id, url: webhook.url, events: webhook.events });
    expect(ping!.headers['x-hummdesk-delivery']).toBe(test.body.delivery.id);

    const again = await api(a, 'POST', `/api/webhooks/${webhook.id}/deliveries/${test.body.delivery.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body.delivery).toMatchObject({ id: test.body.delivery.id, status: 'pending' });
    // A second request while it is on its way is refused rather than sending it twice more.
    const meanwhile = await api(a, 'POST', `/api/webhooks/${webhook.id}/deliveries/${test.body.delivery.id}/redeliver`);
    if (meanwhile.status !== 202) expectError(meanwhile, 409, 'delivery_pending');
    const redelivered = await settled(a, webhook.id, test.body.delivery.id, meanwhile.status === 202 ? 3 : 2);
    expect(redelivered.status).toBe('delivered');
    const sent = receiver.at('/ping');
    expect(sent.every((request) => request.verified && request.payload.id === test.body.delivery.id)).toBe(true);
    // The body is the one stored at first; only the signature is new.
    expect(new Set(sent.map((request) => request.raw)).size).toBe(1);

    expectError(await api(a, 'POST', `/api/webhooks/${webhook.id}/deliveries/${MISSING_DELIVERY}/redeliver`), 404, 'not_found');
    await api(a, 'PATCH', `/api/webhooks/${webhook.id}`, { enabled: false });
    expectError(await api(a, 'POST', `/api/webhooks/${webhook.id}/test`), 409, 'webhook_disabled');
    expectError(await api(a, 'POST', `/api/webhooks/${webhook.id}/deliveries/${test.body.delivery.id}/redeliver`), 409, 'webhook_disabled');
  });

  it('signs with the rotated secret from the next attempt on', async () => {
    const webhook = await subscribe(a, '/rotated', ['conversation.created']);
    const rotated = (await api(a, 'POST', `/api/webhooks/${webhook.id}/rotate-secret`)).body.webhook;
    receiver.expect('/rotated', rotated.secret);
    const test = (await api(a, 'POST', `/api/webhooks/${webhook.id}/test`)).body.delivery;
    await settled(a, webhook.id, test.id);
    expect(receiver.at('/rotated').map((request) => request.verified)).toEqual([true]);
  });

  it("keeps another account's webhooks and deliveries out of reach (HTTP and SQL as hummdesk_app)", async () => {
    const webhook = await subscribe(a, '/isolated', ['conversation.created']);
    const test = (await api(a, 'POST', `/api/webhooks/${webhook.id}/test`)).body.delivery;
    await settled(a, webhook.id, test.id);
    const before = receiver.at('/isolated').length;

    expect((await api(b, 'GET', '/api/webhooks')).body.data).toEqual([]);
    for (const [method, url, payload] of [
      ['GET', `/api/webhooks/${webhook.id}`],
      ['PATCH', `/api/webhooks/${webhook.id}`, { url: receiver.url('/stolen') }],
      ['POST', `/api/webhooks/${webhook.id}/rotate-secret`],
      ['GET', `/api/webhooks/${webhook.id}/deliveries`],
      ['POST', `/api/webhooks/${webhook.id}/test`],
      ['POST', `/api/webhooks/${webhook.id}/deliveries/${test.id}/redeliver`],
      ['DELETE', `/api/webhooks/${webhook.id}`],
    ] as const) {
      expectError(await api(b, method, url, payload), 404, 'not_found', `${method} ${url}`);
    }
    // B's own webhook does not reach A's deliveries either.
    const own = await subscribe(b, '/b-own', ['message.created']);
    expectError(await api(b, 'POST', `/api/webhooks/${own.id}/deliveries/${test.id}/redeliver`), 404, 'not_found');
    expect(await deliveries(b, own.id)).toEqual([]);

    const asB = (query: (tx: Tx) => Promise<unknown>) => withTenant(t.database.db, { accountId: b.accountId }, query);
    expect(await asB((tx) => tx.select({ n: count() }).from(webhooks).where(eq(webhooks.id, webhook.id)))).toEqual([{ n: 0 }]);
    expect(await asB((tx) => tx.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.id, test.id)))).toEqual([{ n: 0 }]);
    expect(await asB((tx) => tx.update(webhooks).set({ url: 'https://stolen.example' }).where(eq(webhooks.id, webhook.id)).returning())).toEqual([]);
    expect(await asB((tx) => queryRows(tx, sql`delete from webhook_deliveries where id = ${test.id} returning id`))).toEqual([]);

    expect((await api(a, 'GET', `/api/webhooks/${webhook.id}`)).body.webhook).toEqual(webhook);
    expect((await deliveries(a, webhook.id)).map((delivery: { id: string }) => delivery.id)).toEqual([test.id]);
    expect(receiver.at('/isolated').length).toBe(before);
    expect(receiver.at('/stolen')).toEqual([]);
  });

  it('pages the delivery log, newest first', async () => {
    const webhook = await subscribe(a, '/paged', ['conversation.created']);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const test = (await api(a, 'POST', `/api/webhooks/${webhook.id}/test`)).body.delivery;
      ids.unshift(test.id);
      await settled(a, webhook.id, test.id);
    }
    const first = await api(a, 'GET', `/api/webhooks/${webhook.id}/deliveries?limit=2`);
    expect(first.body.data.map((delivery: { id: string }) => delivery.id)).toEqual(ids.slice(0, 2));
    const second = await api(a, 'GET', `/api/webhooks/${webhook.id}/deliveries?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
  });
});

describe.each(await databaseKinds())('webhooks without the operator allowing private networks on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true, backoff: () => 100 });
    receiver = await startReceiver();
    a = await registerAccount(t.app, 'Careful');
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/hook', 'http://localhost:9/hook'])(
    'refuses to subscribe %s',
    async (url) => {
      const answer = await call(t.app, a, { method: 'POST', url: '/api/webhooks', payload: { url, events: ['message.created'] } });
      expectError(answer, 422, 'private_destination');
      expect(answer.body.error.message).toMatch(/private networks are not allowed/);
    },
  );

  it('sends nothing to a private address even when the webhook names one (a name that resolves there later)', async () => {
    // As if a public name had been re-pointed at the receiver after the webhook was made.
    const [webhook] = await withTenant(t.database.db, { accountId: a.accountId }, (tx) =>
      tx
        .insert(webhooks)
        .values({ accountId: a.accountId, url: receiver.url('/private'), events: ['conversation.created'], secret: 'whsec_x' })
        .returning(),
    );
    const test = await call(t.app, a, { method: 'POST', url: `/api/webhooks/${webhook!.id}/test` });
    const failed = await settledOf(t.app, a, webhook!.id, test.body.delivery.id);
    expect(failed).toMatchObject({
      attempts: 1,
      responseStatus: null,
      // Says that, not where: the internal address is for the server's log only.
      error: expect.stringMatching(/resolves to a private or reserved address; private networks are not allowed/),
    });
    expect(failed.error).not.toMatch(/loopback/);
    expect(receiver.received).toEqual([]);
  });
});
