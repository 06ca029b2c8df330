/**
 * The built-in SMTP listener, on a real port of 127.0.0.1 with a real client (nodemailer) as a
 * customer's mail server would send: mail for an inbox's address opens a conversation; what the
 * listener cannot take is refused while the client is still there (unknown recipient at RCPT,
 * too large, too many connections, a sender over its limit), and STARTTLS works with the
 * configured certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { listAll } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { eventually } from '../../test-support/eventually.js';
import { customerMailer } from '../../test-support/mail.js';
import { unusedPorts } from '../../test-support/ports.js';

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

/** The first line a server sends on a fresh connection (its greeting, or its refusal). */
function greeting(port: number): Promise<{ socket: Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
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
  const inboundFiles = async () => (await readdir(join(t.dataDir, 'attachments', String(a.accountId), 'inbound-mail')).catch(() => [])).length;

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
