/**
 * The built-in SMTP listener, on a real port of 127.0.0.1 with a real client (nodemailer) as a
 * customer's mail server would send: mail for an inbox's address opens a conversation; what the
 * listener cannot take is refused while the client is still there (unknown recipient at RCPT,
 * too large, too many connections, a sender over its limit), and STARTTLS works with the
 * configured certificate. On an install shared by accounts, each inbox also receives at its
 * forwarding address, and an address two accounts claim goes to neither.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError, listAll } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { filesUnder } from '../../test-support/files.js';
import { eventually } from '../../test-support/eventually.js';
import { customerMailer, startSmtpSink, type SmtpSink } from '../../test-support/mail.js';
import { unusedPorts } from '../../test-support/ports.js';
import { clientOf } from './smtp-listener.js';

const MAX_BYTES = 64 * 1024;
const MAX_CONNECTIONS = 3;
const SENDER_LIMIT = 4;

/** A self-signed certificate for `localhost`, made for this run. */
async function selfSignedCertificate() {
  const dir = await mkdtemp(join(tmpdir(), 'hummdesk-smtp-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    {
      stdio: 'ignore',
    },
  );
  return { dir, keyFile, certFile, cert: await readFile(certFile) };
}

/** The first line a server sends on a fresh connection (its greeting, or its refusal), from `localAddress` (another client of the loopback network). */
function greeting(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\r\n')) resolve({ socket, line: text.split('\r\n')[0]! });
    });
    socket.once('error', reject);
  });
}

describe.each(await databaseKinds())('SMTP listener on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let port: number;
  let tls: Awaited<ReturnType<typeof selfSignedCertificate>>;
  let inboxId: number;
  const address = `support@${kind}.listener.test`;

  const conversations = () => listAll(t.app, a, `/api/conversations?inboxId=${inboxId}`);
  const messagesOf = async (conversationId: number) =>
    (await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/messages` })).body.data;
  /** The conversation a contact of this address opened, once its mail is in. */
  const conversationFrom = (email: string) =>
    eventually(`a conversation from ${email}`, async () => (await conversations()).find((conversation) => conversation.contact.email === email));
  /** Every e-mail taken in so far (its jobs in any state), once none is still being read. */
  const inboundSettled = () =>
    eventually('the received mail read', async () => {
      const { waiting = 0, delayed = 0, active = 0, completed = 0, failed = 0 } = (await t.queue.counts())['email-inbound'] ?? {};
      return waiting + delayed + active === 0 ? completed + failed : undefined;
    });
  const inboundFiles = async () => (await filesUnder(join(t.dataDir, 'attachments', String(a.accountId), 'inbound-mail'))).length;

  beforeAll(async () => {
    tls = await selfSignedCertificate();
    port = await unusedPorts();
    t = await createTestApp(
      kind,
      {
        SMTP_LISTEN_PORT: String(port),
        SMTP_LISTEN_HOST: '127.0.0.1',
        SMTP_TLS_KEY: tls.keyFile,
        SMTP_TLS_CERT: tls.certFile,
        SMTP_MAX_CONNECTIONS_PER_CLIENT: String(MAX_CONNECTIONS),
        EMAIL_MAX_BYTES: String(MAX_BYTES),
        EMAIL_SENDER_RATE_LIMIT: String(SENDER_LIMIT),
        EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      { runWorkers: true },
    );
    a = await registerAccount(t.app, 'Listener A');
    const created = await call(t.app, a, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name: 'Support mail', channelType: 'email', settings: { address, smtp: { host: '127.0.0.1', port: 2525, secure: false } } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // No EMAIL_INBOUND_DOMAIN: no forwarding address.
    expect(created.body.inbox.settings.forwardingAddress).toBeUndefined();
    inboxId = created.body.inbox.id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (tls) await rm(tls.dir, { recursive: true, force: true });
  });

  it("opens a conversation from a customer's mail, whatever the case or plus-tag of the address", async () => {
    const customer = customerMailer(port);
    try {
      const sent = await customer.send({
        from: '"Ada Customer" <ada@customer.test>',
        to: `Support+Anything@${kind.toUpperCase()}.listener.test`,
        subject: 'My order has not arrived',
        text: 'Hello, my order 1234 has not arrived yet.',
      });
      expect(sent.response).toMatch(/^250 /);
      expect(sent.accepted).toHaveLength(1);
    } finally {
      customer.close();
    }
    const conversation = await conversationFrom('ada@customer.test');
    const [message] = await messagesOf(conversation.id);
    expect(message).toMatchObject({ messageType: 'incoming', content: expect.stringContaining('my order 1234 has not arrived') });
    expect(message.email).toMatchObject({ subject: 'My order has not arrived' });
    // Once read, the raw message is not kept.
    await eventually('the received file removed', async () => ((await inboundFiles()) === 0 ? true : undefined));
  });

  it('refuses an unknown recipient at RCPT, and takes the message for the known one', async () => {
    const customer = customerMailer(port);
    try {
      const refused = await customer
        .send({ from: 'bob@customer.test', to: `nobody@${kind}.listener.test`, subject: 'Hi', text: 'Anyone?' })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ responseCode: 550, command: 'RCPT TO' });
      expect(String((refused as Error).message)).toContain('5.1.1');

      const mixed = await customer.send({ from: 'bob@customer.test', to: [address, 'someone@elsewhere.test'], subject: 'Mixed', text: 'To two' });
      expect(mixed.accepted).toEqual([address]);
      expect(mixed.rejected).toEqual(['someone@elsewhere.test']);
    } finally {
      customer.close();
    }
    const conversation = await conversationFrom('bob@customer.test');
    expect((await messagesOf(conversation.id))[0].email.subject).toBe('Mixed');
  });

  it('refuses a message over EMAIL_MAX_BYTES with 552 and keeps nothing of it', async () => {
    const before = await inboundSettled();
    const customer = customerMailer(port);
    try {
      const refused = await customer
        .send({ from: 'carol@customer.test', to: address, subject: 'Huge', text: 'x'.repeat(MAX_BYTES + 10_000) })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ responseCode: 552 });
    } finally {
      customer.close();
    }
    expect(await inboundFiles()).toBe(0);
    expect(await inboundSettled()).toBe(before);
    expect((await conversations()).some((conversation) => conversation.contact.email === 'carol@customer.test')).toBe(false);
  });

  it('keeps nothing of a message whose client leaves before its end', async () => {
    const { socket, line } = await greeting(port);
    expect(line).toMatch(/^220 /);
    const answers: string[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(...chunk.toString().split('\r\n').filter(Boolean)));
    const say = async (command: string, expected: RegExp) => {
      const seen = answers.length;
      socket.write(`${command}\r\n`);
      await eventually(`an answer to ${command}`, () => answers.slice(seen).find((answer) => expected.test(answer)));
    };
    await say('EHLO customer.test', /^250 /);
    await say('MAIL FROM:<fay@customer.test>', /^250 /);
    await say(`RCPT TO:<${address}>`, /^250 /);
    await say('DATA', /^354 /);
    socket.write(`From: fay@customer.test\r\nTo: ${address}\r\nSubject: Cut short\r\n\r\n${'A line of the message.\r\n'.repeat(1_000)}`);
    await eventually('the message being stored', async () => ((await inboundFiles()) > 0 ? true : undefined));
    socket.destroy();
    await eventually('the partial message removed', async () => ((await inboundFiles()) === 0 ? true : undefined));
    expect((await conversations()).some((conversation) => conversation.contact.email === 'fay@customer.test')).toBe(false);
  });

  it('holds each client address to its connection limit (421 beyond it)', async () => {
    const open = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => greeting(port)));
    try {
      for (const { line } of open) expect(line).toMatch(/^220 /);
      const extra = await greeting(port);
      expect(extra.line).toMatch(/^421 4\.7\.0 Too many connections/);
      extra.socket.destroy();
    } finally {
      for (const { socket } of open) socket.destroy();
    }
    // Closed connections are counted off: the client may connect again.
    await eventually('a connection welcome again', async () => {
      const again = await greeting(port);
      again.socket.destroy();
      return again.line.startsWith('220 ') ? true : undefined;
    });
  });

  it('offers STARTTLS with the configured certificate', async () => {
    const customer = customerMailer(port, { tls: { ca: tls.cert } });
    try {
      const sent = await customer.send({ from: 'dan@customer.test', to: address, subject: 'Over TLS', text: 'Sent encrypted' });
      expect(sent.response).toMatch(/^250 /);
    } finally {
      customer.close();
    }
    await conversationFrom('dan@customer.test');
  });

  it('answers 451 (try later) once a sender is over its hourly limit, so its server keeps the mail', async () => {
    const customer = customerMailer(port);
    try {
      for (let n = 1; n <= SENDER_LIMIT; n++) {
        const sent = await customer.send({ from: 'eve@customer.test', to: address, subject: `Note ${n}`, text: `Message number ${n}` });
        expect(sent.response).toMatch(/^250 /);
      }
      const limited = await customer
        .send({ from: 'eve@customer.test', to: address, subject: 'One more', text: 'Over the limit' })
        .catch((error: unknown) => error);
      expect(limited).toMatchObject({ responseCode: 451 });
      expect(String((limited as Error).message)).toContain('4.7.1');
    } finally {
      customer.close();
    }
  });
});

describe('SMTP clients', () => {
  it('counts an IPv4 address, or an IPv6 /64, as one client', () => {
    expect(clientOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(clientOf('2001:0DB8:0001:0002::9'));
    expect(clientOf('2001:db8:1:3::1')).not.toBe(clientOf('2001:db8:1:2::1'));
  });
});

const INBOUND_DOMAIN = 'inbound.hummdesk.test';

describe.each(await databaseKinds())('SMTP listener shared by accounts on %s', (kind) => {
  let t: TestApp;
  let acme: Session;
  let rival: Session;
  let agent: Session;
  let port: number;
  let sink: SmtpSink;
  const shared = `support@acme-${kind}.test`;
  /** Each account's inbox for the shared address: id, identifier. */
  const inboxes: Record<'acme' | 'rival', { id: number; identifier: string }> = {} as never;

  const conversationsOf = (session: Session, inboxId: number) => listAll(t.app, session, `/api/conversations?inboxId=${inboxId}`);
  const messagesOf = async (session: Session, conversationId: number) =>
    (await call(t.app, session, { method: 'GET', url: `/api/conversations/${conversationId}/messages` })).body.data;
  const conversationFrom = (session: Session, inboxId: number, email: string) =>
    eventually(`a conversation from ${email}`, async () =>
      (await conversationsOf(session, inboxId)).find((conversation) => conversation.contact.email === email),
    );
  const forwarding = (who: 'acme' | 'rival') => `${inboxes[who].identifier}@${INBOUND_DOMAIN}`;
  /** Sends one mail and answers what the listener said (the error of a refused one). */
  async function send(message: Parameters<ReturnType<typeof customerMailer>['send']>[0]) {
    const customer = customerMailer(port);
    try {
      return await customer.send(message).catch((error: unknown) => error as Error & { responseCode?: number; response?: string });
    } finally {
      customer.close();
    }
  }

  beforeAll(async () => {
    port = await unusedPorts();
    sink = await startSmtpSink();
    t = await createTestApp(
      kind,
      {
        SMTP_LISTEN_PORT: String(port),
        SMTP_LISTEN_HOST: '127.0.0.1',
        EMAIL_INBOUND_DOMAIN: INBOUND_DOMAIN.toUpperCase(),
        SMTP_MAX_CONNECTIONS_PER_CLIENT: '2',
        SMTP_MAX_CLIENTS: '3',
        EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      { runWorkers: true },
    );
    acme = await registerAccount(t.app, 'Acme');
    rival = await registerAccount(t.app, 'Rival');
    for (const [who, session] of [
      ['acme', acme],
      ['rival', rival],
    ] as const) {
      const created = await call(t.app, session, {
        method: 'POST',
        url: '/api/inboxes',
        payload: { name: 'Support', channelType: 'email', settings: { address: shared, smtp: sink.settings } },
      });
      // Another account's claim on the address is no conflict (nor a way to learn who uses it).
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      inboxes[who] = { id: created.body.inbox.id, identifier: created.body.inbox.identifier };
    }
    const email = `listener-agent.${process.pid}.${Date.now()}@example.com`;
    await call(t.app, acme, { method: 'POST', url: '/api/agents', payload: { name: 'Plain Agent', email, password: 'agent password 1' } });
    const login = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    agent = { token: login.body.token, accountId: acme.accountId, userId: login.body.user.id, auth: { authorization: `Bearer ${login.body.token}` } };
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it("shows each e-mail inbox's forwarding address to administrators, and takes it from nobody's write", async () => {
    const url = `/api/inboxes/${inboxes.acme.id}`;
    expect((await call(t.app, acme, { method: 'GET', url })).body.inbox.settings).toMatchObject({ address: shared, forwardingAddress: forwarding('acme') });
    expect((await call(t.app, agent, { method: 'GET', url })).body.inbox.settings).toEqual({ address: shared });
    const forged = await call(t.app, rival, {
      method: 'PATCH',
      url: `/api/inboxes/${inboxes.rival.id}`,
      payload: { settings: { forwardingAddress: forwarding('acme') } },
    });
    expectError(forged, 422, 'invalid_settings');
    expect(forged.body.error.details).toEqual([{ field: 'body.settings.forwardingAddress', message: forged.body.error.message }]);
  });

  it('refuses an address two accounts claim (550, in words), and routes each forwarding address to its own account', async () => {
    const refused = await send({ from: 'gil@customer.test', to: shared, subject: 'Who gets this?', text: 'Neither of you' });
    expect(refused).toMatchObject({ responseCode: 550, command: 'RCPT TO' });
    expect(String((refused as Error).message)).toContain('more than one account has an inbox for this address');

    const toAcme = await send({
      from: 'hal@customer.test',
      to: shared,
      envelope: { from: 'hal@customer.test', to: [forwarding('acme').replace('@', '+anything@').toUpperCase()] },
      subject: 'Forwarded to Acme',
      text: 'Forwarded by the company mail server',
    });
    expect((toAcme as { response: string }).response).toMatch(/^250 /);
    const toRival = await send({ from: 'ivy@customer.test', to: forwarding('rival'), subject: 'For the rival', text: 'Hello rival' });
    expect((toRival as { response: string }).response).toMatch(/^250 /);
    await conversationFrom(acme, inboxes.acme.id, 'hal@customer.test');
    await conversationFrom(rival, inboxes.rival.id, 'ivy@customer.test');
    // Each account has its own mail only.
    expect((await conversationsOf(acme, inboxes.acme.id)).map((conversation) => conversation.contact.email)).toEqual(['hal@customer.test']);
    expect((await conversationsOf(rival, inboxes.rival.id)).map((conversation) => conversation.contact.email)).toEqual(['ivy@customer.test']);

    // An identifier no inbox has, at the inbound domain, is nobody's.
    const unknown = await send({ from: 'jon@customer.test', to: `${'0'.repeat(32)}@${INBOUND_DOMAIN}`, subject: 'Hi', text: 'Anyone?' });
    expect(unknown).toMatchObject({ responseCode: 550 });
    expect(String((unknown as Error).message)).toContain('5.1.1');
  });

  it("threads the customer's answer that comes back through the forwarding address with the reply's plus-tag", async () => {
    const sent = await send({ from: 'kim@customer.test', to: forwarding('acme'), subject: 'Broken kettle', text: 'My kettle does not boil.' });
    expect((sent as { response: string }).response).toMatch(/^250 /);
    const conversation = await conversationFrom(acme, inboxes.acme.id, 'kim@customer.test');
    const posted = await call(t.app, acme, {
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      payload: { content: 'Sorry: a new one is on its way.' },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const reply = await eventually('the reply at the relay', () => sink.messages.find((message) => message.envelope.to.includes('kim@customer.test')));
    const replyTo = /^Reply-To: <?([^>\r\n]+)>?\r?$/im.exec(reply.text)?.[1];
    const [local, domain] = shared.split('@');
    expect(replyTo).toMatch(new RegExp(`^${local}\\+c${conversation.id}-[0-9a-f]{10}@${domain}$`));

    // The company's server forwards the tagged address to the tagged forwarding address; the
    // customer's client dropped the references, and the headers name the company's plain address.
    const tagged = replyTo!.replace(`${local}+`, `${inboxes.acme.identifier}+`).replace(domain!, INBOUND_DOMAIN);
    const answer = await send({
      from: 'kim@customer.test',
      to: shared,
      envelope: { from: 'kim@customer.test', to: [tagged] },
      subject: 'Thanks',
      text: 'Thank you, it arrived.',
    });
    expect((answer as { response: string }).response).toMatch(/^250 /);
    const messages = await eventually('the answer in the conversation', async () => {
      const found = await messagesOf(acme, conversation.id);
      return found.some((message: { content: string }) => message.content.includes('it arrived')) ? found : undefined;
    });
    // Activity lines (the AI routing the conversation to a team, say) come and go with triage's timing.
    const said = messages.filter((message: { messageType: string }) => message.messageType !== 'activity');
    expect(said.map((message: { messageType: string }) => message.messageType)).toEqual(['incoming', 'outgoing', 'incoming']);
    expect((await conversationsOf(acme, inboxes.acme.id)).filter((one) => one.contact.email === 'kim@customer.test')).toHaveLength(1);
  });

  it('closes a session at its 20th refused recipient (421)', async () => {
    const { socket, line } = await greeting(port);
    expect(line).toMatch(/^220 /);
    const answers: string[] = [];
    let closed = false;
    socket.on('data', (chunk: Buffer) => answers.push(...chunk.toString().split('\r\n').filter(Boolean)));
    socket.on('close', () => (closed = true));
    const say = async (command: string) => {
      const seen = answers.length;
      socket.write(`${command}\r\n`);
      return eventually(`an answer to ${command}`, () => answers[seen]);
    };
    expect(await say('EHLO customer.test')).toMatch(/^250/);
    expect(await say('MAIL FROM:<lee@customer.test>')).toMatch(/^250 /);
    for (let n = 1; n < 20; n++) expect(await say(`RCPT TO:<guess${n}@acme-${kind}.test>`)).toMatch(/^550 5\.1\.1 /);
    expect(await say(`RCPT TO:<guess20@${INBOUND_DOMAIN}>`)).toMatch(/^421 4\.7\.0 .*too many refused recipients, closing the connection/);
    await eventually('the connection closed', () => closed || undefined);
  });

  it('holds the listener to SMTP_MAX_CLIENTS connections from all clients (421 beyond them)', async () => {
    // Two clients of the loopback network: 127.0.0.1 up to its own limit (2), 127.0.0.2 once.
    const open = await Promise.all([greeting(port), greeting(port), greeting(port, '127.0.0.2')]);
    try {
      for (const { line } of open) expect(line).toMatch(/^220 /);
      const extra = await greeting(port, '127.0.0.3');
      expect(extra.line).toMatch(/^421 .*Too many connected clients/);
      extra.socket.destroy();
    } finally {
      for (const { socket } of open) socket.destroy();
    }
    await eventually('a connection welcome again', async () => {
      const again = await greeting(port, '127.0.0.3');
      again.socket.destroy();
      return again.line.startsWith('220 ') ? true : undefined;
    });
  });
});

describe.each(await databaseKinds())('SMTP listener with SMTP_ROUTE_BY_ADDRESS=false on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let port: number;
  let inbox: { id: number; identifier: string };
  const address = `help@solo-${kind}.test`;

  beforeAll(async () => {
    port = await unusedPorts();
    t = await createTestApp(
      kind,
      { SMTP_LISTEN_PORT: String(port), SMTP_LISTEN_HOST: '127.0.0.1', EMAIL_INBOUND_DOMAIN: INBOUND_DOMAIN, SMTP_ROUTE_BY_ADDRESS: 'false' },
      { runWorkers: true },
    );
    a = await registerAccount(t.app, 'Solo');
    const created = await call(t.app, a, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name: 'Help', channelType: 'email', settings: { address, smtp: { host: '127.0.0.1', port: 2525, secure: false } } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    inbox = { id: created.body.inbox.id, identifier: created.body.inbox.identifier };
  }, 120_000);
  afterAll(() => t?.close());

  it("takes mail at the forwarding address only, not at the inbox's own address (which any account may type)", async () => {
    const customer = customerMailer(port);
    try {
      const refused = await customer
        .send({ from: 'mo@customer.test', to: address, subject: 'Direct', text: 'Straight to you' })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ responseCode: 550, command: 'RCPT TO' });
      const sent = await customer.send({
        from: 'mo@customer.test',
        to: `${inbox.identifier}@${INBOUND_DOMAIN}`,
        subject: 'Forwarded',
        text: 'Via the forward',
      });
      expect(sent.response).toMatch(/^250 /);
    } finally {
      customer.close();
    }
    const conversation = await eventually('the forwarded mail in', async () =>
      (await listAll(t.app, a, `/api/conversations?inboxId=${inbox.id}`)).find((one) => one.contact.email === 'mo@customer.test'),
    );
    const [message] = (await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversation.id}/messages` })).body.data;
    expect(message.email.subject).toBe('Forwarded');
  });
});
