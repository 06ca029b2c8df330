/** Inboxes by channel: public identifiers, channel settings, and the secret and callback URL only administrators see. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';

describe.each(await databaseKinds())('inbox channels on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let agent: Session;
  let other: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await registerAccount(t.app, 'Channels Inc');
    other = await registerAccount(t.app, 'Other Inc');
    const email = `channels-agent.${process.pid}.${Date.now()}@example.com`;
    await call(t.app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Plain Agent', email, password: 'agent password 1' } });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    agent = { token: login.body.token, accountId: admin.accountId, userId: login.body.user.id, auth: { authorization: `Bearer ${login.body.token}` } };
  });
  afterAll(() => t?.close());

  const create = (session: Session, payload: object) => call(t.app, session, { method: 'POST', url: '/api/inboxes', payload });

  it('creates a widget inbox with a random identifier, its settings and a secret', async () => {
    const created = await create(admin, {
      name: 'Website',
      channelType: 'web_widget',
      settings: { color: '#FF8800', greeting: 'Hi there', allowedOrigins: ['https://shop.example.com/'] },
    });
    expect(created.status).toBe(201);
    const inbox = created.body.inbox;
    expect(inbox).toMatchObject({
      channelType: 'web_widget',
      settings: { color: '#ff8800', greeting: 'Hi there', allowedOrigins: ['https://shop.example.com'], preChatForm: false, requireIdentity: false },
    });
    expect(inbox.identifier).toMatch(/^[a-f0-9]{32}$/);
    expect(inbox.secret).toMatch(/^[a-f0-9]{64}$/);
    const second = await create(admin, { name: 'Website 2', channelType: 'web_widget' });
    expect(second.body.inbox.identifier).not.toBe(inbox.identifier);
    expect(second.body.inbox.secret).not.toBe(inbox.secret);
  });

  it('shows the secret and the callback URL to administrators only, and lets only them rotate the secret', async () => {
    // A receiver's URL may carry its own key.
    const callbackUrl = 'https://hooks.example.com/in?key=receivers-own';
    const inbox = (await create(admin, { name: 'API', channelType: 'api', settings: { callbackUrl } })).body.inbox;
    expect(inbox).toMatchObject({ secret: expect.stringMatching(/^[a-f0-9]{64}$/), settings: { callbackUrl } });
    expect((await call(t.app, admin, { method: 'GET', url: `/api/inboxes/${inbox.id}` })).body.inbox).toEqual(inbox);
    const asAgent = await call(t.app, agent, { method: 'GET', url: `/api/inboxes/${inbox.id}` });
    expect(asAgent.status).toBe(200);
    expect(asAgent.body.inbox).toMatchObject({ identifier: inbox.identifier, settings: {} });
    expect(asAgent.body.inbox).not.toHaveProperty('secret');
    expect(asAgent.body.inbox.settings).not.toHaveProperty('callbackUrl');
    const listed = await call(t.app, agent, { method: 'GET', url: '/api/inboxes' });
    expect(JSON.stringify(listed.body)).not.toContain(inbox.secret);
    expect(JSON.stringify(listed.body)).not.toContain('receivers-own');

    expectError(await call(t.app, agent, { method: 'POST', url: `/api/inboxes/${inbox.id}/rotate-secret` }), 403, 'forbidden');
    expectError(await call(t.app, other, { method: 'POST', url: `/api/inboxes/${inbox.id}/rotate-secret` }), 404, 'not_found');
    const rotated = await call(t.app, admin, { method: 'POST', url: `/api/inboxes/${inbox.id}/rotate-secret` });
    expect(rotated.status).toBe(200);
    expect(rotated.body.inbox.secret).toMatch(/^[a-f0-9]{64}$/);
    expect(rotated.body.inbox.secret).not.toBe(inbox.secret);
    expect(rotated.body.inbox.identifier).toBe(inbox.identifier);
  });

  it('merges changed settings, and starts from the new channel’s defaults when the channel changes', async () => {
    const inbox = (await create(admin, { name: 'Merge', channelType: 'web_widget', settings: { greeting: 'Hello' } })).body.inbox;
    const patched = await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { settings: { preChatForm: true } } });
    expect(patched.body.inbox.settings).toMatchObject({ greeting: 'Hello', preChatForm: true });
    const renamed = await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { name: 'Merged' } });
    expect(renamed.body.inbox.settings).toMatchObject({ greeting: 'Hello', preChatForm: true });
    const toApi = await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { channelType: 'api' } });
    expect(toApi.body.inbox).toMatchObject({ channelType: 'api', settings: {} });
  });

  it('refuses bad settings with 422 invalid_settings and changes nothing', async () => {
    const inbox = (await create(admin, { name: 'Strict', channelType: 'web_widget' })).body.inbox;
    const cases: [object, string][] = [
      [{ color: 'blue' }, 'color'],
      [{ allowedOrigins: ['https://shop.example.com/path'] }, 'allowedOrigins'],
      [{ allowedOrigins: Array.from({ length: 21 }, (_, i) => `https://s${i}.example`) }, 'allowedOrigins'],
      [{ greeting: 'x'.repeat(501) }, 'greeting'],
      [{ callbackUrl: 'https://a.example' }, 'callbackUrl'],
    ];
    for (const [settings, field] of cases) {
      const refused = await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { name: 'Changed?', settings } });
      expectError(refused, 422, 'invalid_settings', field);
      expect(refused.body.error.details).toEqual([{ field: `body.settings.${field}`, message: refused.body.error.message }]);
    }
    expectError(await create(admin, { name: 'Bad API', channelType: 'api', settings: { callbackUrl: 'gopher://x' } }), 422, 'invalid_settings');
    // Into the operator's network, as a webhook's URL is refused (no WEBHOOK_ALLOW_PRIVATE_NETWORKS here).
    const internal = await create(admin, { name: 'Probe', channelType: 'api', settings: { callbackUrl: 'http://169.254.169.254/latest/meta-data/' } });
    expectError(internal, 422, 'private_destination');
    expect(internal.body.error.details).toEqual([{ field: 'body.settings.callbackUrl', message: internal.body.error.message }]);
    const apiInbox = (await create(admin, { name: 'Careful API', channelType: 'api' })).body.inbox;
    const probe = await call(t.app, admin, {
      method: 'PATCH',
      url: `/api/inboxes/${apiInbox.id}`,
      payload: { settings: { callbackUrl: 'http://localhost:5432/' } },
    });
    expectError(probe, 422, 'private_destination');
    expect(probe.body.error.message).not.toMatch(/127\.0\.0\.1|::1/);
    expectError(await call(t.app, admin, { method: 'PATCH', url: `/api/inboxes/${inbox.id}`, payload: { settings: 'x' } }), 400, 'validation_error');
    const after = await call(t.app, admin, { method: 'GET', url: `/api/inboxes/${inbox.id}` });
    expect(after.body.inbox).toMatchObject({ name: 'Strict', settings: { color: '#1f6feb', allowedOrigins: [] } });
    expectError(await call(t.app, agent, { method: 'POST', url: '/api/inboxes', payload: { name: 'Agent inbox', channelType: 'api' } }), 403, 'forbidden');
  });

  it('creates e-mail inboxes whose passwords never come back, one inbox per address in an account', async () => {
    const address = `support.${kind}@channels.example`;
    const settings = { address, smtp: { host: 'smtp.channels.example', port: 587, secure: false, user: 'support', password: 'relay-password-1' } };
    expectError(await create(admin, { name: 'Mail', channelType: 'email' }), 422, 'invalid_settings');
    const created = await create(admin, { name: 'Mail', channelType: 'email', settings });
    expect(created.status).toBe(201);
    expect(created.body.inbox.settings).toEqual({
      address,
      smtp: { host: 'smtp.channels.example', port: 587, secure: false, user: 'support', passwordSet: true },
      inboundSecret: expect.stringMatching(/^[0-9a-f]{48}$/),
    });
    for (const session of [admin, agent]) {
      const listed = await call(t.app, session, { method: 'GET', url: '/api/inboxes' });
      expect(JSON.stringify(listed.body)).not.toContain('relay-password-1');
    }
    // Agents see the address only: the servers and the inbound secret are the administrators'.
    expect((await call(t.app, agent, { method: 'GET', url: `/api/inboxes/${created.body.inbox.id}` })).body.inbox.settings).toEqual({ address });
    // Another inbox of this account cannot claim the address (in any case)...
    expectError(
      await create(admin, { name: 'Twice', channelType: 'email', settings: { ...settings, address: address.toUpperCase() } }),
      409,
      'email_address_taken',
    );
    // ...another account's may: its claim takes nothing from this one (the SMTP listener takes mail
    // for an address only one account claims), and a 409 would tell it who uses the address.
    expect((await create(other, { name: 'Same address', channelType: 'email', settings: { ...settings, address: address.toUpperCase() } })).status).toBe(201);
    // The forwarding address is HummDesk's to give (and this install has no inbound domain: none shown).
    const forged = await call(t.app, admin, {
      method: 'PATCH',
      url: `/api/inboxes/${created.body.inbox.id}`,
      payload: { settings: { forwardingAddress: 'mine@inbound.example' } },
    });
    expectError(forged, 422, 'invalid_settings', 'forwardingAddress');
    expect((await create(admin, { name: 'Plain' })).body.inbox).toMatchObject({ channelType: 'api', settings: {} });
  });
});
