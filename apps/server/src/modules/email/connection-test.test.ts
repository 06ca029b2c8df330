/**
 * "Test connection" (POST /api/inboxes/:id/email/test) against real servers on 127.0.0.1: an SMTP
 * relay that wants a password (test-support/mail.ts) and dovecot. It says which step failed in
 * words, never says a password back, and never carries the saved password to another host.
 */
import { createServer, connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { dovecotAvailable, startDovecot, type Dovecot } from '../../test-support/dovecot.js';
import { outsideAddress, startSmtpSink, type SmtpSink } from '../../test-support/mail.js';
import { unusedPorts } from '../../test-support/ports.js';

const hasDovecot = await dovecotAvailable();
const RELAY = { user: 'relay-user', password: 'relay-secret-password' };

describe.each(await databaseKinds())('e-mail connection tests on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let agent: Session;
  let sink: SmtpSink;
  let dovecot: Dovecot | undefined;
  let inboxId: number;

  const test = (session: Session, id: number, payload: unknown) =>
    call(t.app, session, { method: 'POST', url: `/api/inboxes/${id}/email/test`, payload: payload as object });

  beforeAll(async () => {
    sink = await startSmtpSink({ auth: RELAY });
    if (hasDovecot) dovecot = await startDovecot();
    t = await createTestApp(kind, { EMAIL_ALLOW_PRIVATE_NETWORKS: 'true', EMAIL_TIMEOUT_MS: '5000', IMAP_POLL_INTERVAL_MS: '3600000' });
    a = await registerAccount(t.app, 'Tests A');
    b = await registerAccount(t.app, 'Tests B');
    const created = await call(t.app, a, {
      method: 'POST',
      url: '/api/inboxes',
      payload: {
        name: 'Support mail',
        channelType: 'email',
        settings: { address: `support@${kind}.connection.test`, smtp: sink.settings, ...(dovecot ? { imap: dovecot.settings() } : {}) },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    inboxId = created.body.inbox.id;
    const email = `tests-agent.${process.pid}.${Date.now()}@example.com`;
    await call(t.app, a, { method: 'POST', url: '/api/agents', payload: { name: 'Plain Agent', email, password: 'agent password 1' } });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    agent = { token: login.body.token, accountId: a.accountId, userId: login.body.user.id, auth: { authorization: `Bearer ${login.body.token}` } };
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sink?.close();
    await dovecot?.close();
  });

  it('logs in to the saved SMTP relay, and says in words which step fails', async () => {
    expect((await test(a, inboxId, { server: 'smtp' })).body).toEqual({ ok: true });

    const wrong = await test(a, inboxId, { server: 'smtp', settings: { password: 'a-wrong-password' } });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ ok: false, stage: 'auth', message: expect.stringContaining('refused the user name or password') });
    expect(JSON.stringify(wrong.body)).not.toMatch(/a-wrong-password|relay-secret-password/);

    const closed = await unusedPorts();
    expect((await test(a, inboxId, { server: 'smtp', settings: { port: closed } })).body).toEqual({
      ok: false,
      stage: 'connect',
      message: `Could not talk to 127.0.0.1:${closed}: the connection was refused (nothing listens on that port?)`,
    });
    // TLS from the first byte, to a relay that speaks plain SMTP there.
    expect((await test(a, inboxId, { server: 'smtp', settings: { secure: true } })).body).toMatchObject({ ok: false, stage: 'tls' });
    expect((await test(a, inboxId, { server: 'smtp', settings: { host: 'no-such-host.invalid', password: 'typed' } })).body).toMatchObject({
      ok: false,
      stage: 'resolve',
    });
  });

  it('sends the saved password to the saved host only', async () => {
    const elsewhere = await test(a, inboxId, { server: 'smtp', settings: { host: 'localhost' } });
    expectError(elsewhere, 422, 'password_required');
    expect(elsewhere.body.error.message).toContain('only ever sent to 127.0.0.1');
    // With the password typed in, another host is tried.
    expect((await test(a, inboxId, { server: 'smtp', settings: { host: 'localhost', password: RELAY.password } })).body).toEqual({ ok: true });
  });

  it.skipIf(!hasDovecot)('opens the saved IMAP folder, and says when the login or the folder fails', async () => {
    expect((await test(a, inboxId, { server: 'imap' })).body).toEqual({ ok: true });
    const wrong = await test(a, inboxId, { server: 'imap', settings: { password: 'a-wrong-password' } });
    expect(wrong.body).toMatchObject({ ok: false, stage: 'auth', message: expect.stringContaining('refused the user name or password') });
    expect(JSON.stringify(wrong.body)).not.toContain('a-wrong-password');
    expect((await test(a, inboxId, { server: 'imap', settings: { mailbox: 'No Such Folder' } })).body).toMatchObject({
      ok: false,
      stage: 'mailbox',
      message: expect.stringContaining('The folder "No Such Folder" cannot be opened'),
    });
    const closed = await unusedPorts();
    expect((await test(a, inboxId, { server: 'imap', settings: { port: closed } })).body).toMatchObject({ ok: false, stage: 'connect' });
    expect((await test(a, inboxId, { server: 'imap', settings: { secure: true } })).body).toMatchObject({ ok: false, stage: 'tls' });
  });

  it.skipIf(!outsideAddress)('says that a server across a network must offer STARTTLS before the password is sent', async () => {
    const outside = outsideAddress!;
    const words = 'does not offer STARTTLS, and a password is never sent unencrypted: turn on "secure"';
    const remote = await startSmtpSink({ host: outside, auth: RELAY });
    try {
      const smtp = await test(a, inboxId, { server: 'smtp', settings: { host: outside, port: remote.port, password: RELAY.password } });
      expect(smtp.body).toEqual({ ok: false, stage: 'tls', message: expect.stringContaining(`${outside}:${remote.port} ${words}`) });
    } finally {
      await remote.close();
    }
    if (!dovecot) return;
    // The same dovecot, reached through an address that is not loopback (it offers no STARTTLS).
    const forwarder = createServer((client) => {
      const upstream = connect(dovecot!.port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => forwarder.listen(0, outside, resolve));
    const port = (forwarder.address() as AddressInfo).port;
    try {
      const imap = await test(a, inboxId, { server: 'imap', settings: { host: outside, port, password: dovecot.settings().password } });
      expect(imap.body).toEqual({ ok: false, stage: 'tls', message: expect.stringContaining(`${outside}:${port} ${words}`) });
    } finally {
      forwarder.close();
    }
  });

  it("is for administrators of the inbox's account, with e-mail inboxes and well-formed bodies only", async () => {
    expectError(await test(agent, inboxId, { server: 'smtp' }), 403, 'forbidden');
    expectError(await test(b, inboxId, { server: 'smtp' }), 404, 'not_found');
    expectError(await test(a, 2_000_000_000, { server: 'smtp' }), 404, 'not_found');
    const api = await call(t.app, a, { method: 'POST', url: '/api/inboxes', payload: { name: 'API', channelType: 'api' } });
    expectError(await test(a, api.body.inbox.id, { server: 'smtp' }), 422, 'not_email_inbox');
    for (const body of [
      {},
      { server: 'pop3' },
      { server: 'smtp', settings: { port: 0 } },
      { server: 'smtp', settings: { token: 'x' } },
      { server: 'smtp', extra: 1 },
    ]) {
      const answer = await test(a, inboxId, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expectError(answer, 400);
    }
    expectError(await test(a, inboxId, { server: 'smtp', settings: { host: 'not a host!', password: 'x' } }), 422, 'invalid_settings');
  });

  it('is rate-limited per account', async () => {
    const c = await registerAccount(t.app, 'Tests C');
    const api = await call(t.app, c, { method: 'POST', url: '/api/inboxes', payload: { name: 'API', channelType: 'api' } });
    const answers = [];
    for (let n = 0; n < 21; n++) answers.push((await test(c, api.body.inbox.id, { server: 'smtp' })).status);
    expect(answers.slice(0, 20).every((status) => status === 422)).toBe(true);
    expect(answers[20]).toBe(429);
  });
});
