import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outsideAddress, startSmtpSink, type SmtpSink } from '../../test-support/mail.js';
import { unusedPorts } from '../../test-support/ports.js';
import { describeMailServerError, imapClientOptions, MailServerError, resolveMailServer, smtpTransportOptions } from './mail-servers.js';

const allowed = { allowPrivateNetworks: true, timeoutMs: 5_000 };
const guarded = { allowPrivateNetworks: false, timeoutMs: 5_000 };

async function sendThrough(sink: Pick<SmtpSink, 'settings'>, server: Partial<SmtpSink['settings']> = {}) {
  const transport = nodemailer.createTransport(await smtpTransportOptions({ ...sink.settings, ...server }, allowed));
  try {
    return await transport.sendMail({ from: 'support@example.com', to: 'customer@example.net', subject: 'Hello', text: 'Hi there' });
  } finally {
    transport.close();
  }
}

describe('mail servers', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ auth: { user: 'relay-user', password: 'relay-password' } });
  });
  afterAll(() => sink.close());

  it('refuses private, loopback and link-local servers unless the operator allows them', async () => {
    for (const host of ['127.0.0.1', 'localhost', '10.1.2.3', '192.168.0.1', '169.254.169.254', '[::1]', '::ffff:127.0.0.1']) {
      const refusal = await resolveMailServer(host, guarded).catch((error: unknown) => error);
      expect(refusal, host).toBeInstanceOf(MailServerError);
      expect((refusal as MailServerError).stage).toBe('refused_destination');
      expect((refusal as MailServerError).message).toContain('EMAIL_ALLOW_PRIVATE_NETWORKS');
    }
    await expect(resolveMailServer('127.0.0.1', allowed)).resolves.toBe('127.0.0.1');
    await expect(resolveMailServer('[::1]', allowed)).resolves.toBe('::1');
    await expect(smtpTransportOptions({ host: '10.0.0.1', port: 25, secure: false }, guarded)).rejects.toMatchObject({ stage: 'refused_destination' });
  });

  it('says when a name does not resolve', async () => {
    await expect(resolveMailServer('no-such-host.invalid', guarded)).rejects.toMatchObject({ stage: 'resolve' });
  });

  it('sends through a relay with its credentials, and says in words what failed', async () => {
    const sent = await sendThrough(sink);
    expect(sent.response).toMatch(/^250 /);
    expect(sink.messages.at(-1)!.envelope).toEqual({ from: 'support@example.com', to: ['customer@example.net'] });

    const wrongPassword = await sendThrough(sink, { password: 'not-it' }).catch((error: unknown) => error);
    const auth = describeMailServerError(wrongPassword, sink.settings);
    expect(auth.stage).toBe('auth');
    expect(auth.message).toContain(`127.0.0.1:${sink.port} refused the user name or password`);
    expect(auth.message).not.toContain('not-it');

    const closedPort = await unusedPorts();
    const refused = await sendThrough(sink, { port: closedPort }).catch((error: unknown) => error);
    expect(describeMailServerError(refused, { host: '127.0.0.1', port: closedPort })).toMatchObject({
      stage: 'connect',
      message: `Could not talk to 127.0.0.1:${closedPort}: the connection was refused (nothing listens on that port?)`,
    });
  });

  it('records what the sink refuses, fails for now or never answers', async () => {
    const plain = await startSmtpSink({ behaviour: (nth) => [550, 451, 250][nth - 1] ?? 'hang' });
    try {
      await expect(sendThrough(plain)).rejects.toMatchObject({ responseCode: 550 });
      await expect(sendThrough(plain)).rejects.toMatchObject({ responseCode: 451 });
      await expect(sendThrough(plain)).resolves.toMatchObject({ response: expect.stringMatching(/^250 /) });
      const transport = nodemailer.createTransport(await smtpTransportOptions(plain.settings, { allowPrivateNetworks: true, timeoutMs: 300 }));
      const hung = await transport.sendMail({ from: 'a@example.com', to: 'b@example.net', text: 'x' }).catch((error: unknown) => error);
      expect(describeMailServerError(hung, plain.settings)).toMatchObject({ stage: 'connect', message: expect.stringContaining('no answer in time') });
      expect(plain.messages.map((message) => message.answered)).toEqual([550, 451, 250, null]);
      expect(plain.messages[0]!.text).toContain('Subject: Hello');
    } finally {
      await plain.close();
    }
  });

  it.skipIf(!outsideAddress)('requires STARTTLS before a password crosses a network, and says so when the server does not offer it', async () => {
    const outside = outsideAddress!;
    const login = { user: 'relay-user', password: 'relay-password' };
    const limits = { ...allowed, maxBytes: 1_000_000 };
    expect((await smtpTransportOptions({ host: outside, port: 587, secure: false, ...login }, allowed)).requireTLS).toBe(true);
    expect((await imapClientOptions({ host: outside, port: 143, secure: false, ...login }, limits)).doSTARTTLS).toBe(true);
    // Nothing to protect, TLS from the first byte, or a server on this machine: not required.
    expect((await smtpTransportOptions({ host: outside, port: 25, secure: false }, allowed)).requireTLS).toBe(false);
    expect((await smtpTransportOptions({ host: outside, port: 465, secure: true, ...login }, allowed)).requireTLS).toBe(false);
    expect((await imapClientOptions({ host: outside, port: 993, secure: true, ...login }, limits)).doSTARTTLS).toBeUndefined();
    expect((await smtpTransportOptions({ host: 'localhost', port: 587, secure: false, ...login }, allowed)).requireTLS).toBe(false);
    expect((await imapClientOptions({ host: '127.0.0.1', port: 143, secure: false, ...login }, limits)).doSTARTTLS).toBeUndefined();

    // A relay elsewhere that offers no STARTTLS: the session ends before the password is sent.
    const remote = await startSmtpSink({ host: outside, auth: login });
    try {
      const refused = await sendThrough(remote).catch((error: unknown) => error);
      expect(describeMailServerError(refused, remote.settings)).toEqual(
        new MailServerError(
          'tls',
          `${outside}:${remote.port} does not offer STARTTLS, and a password is never sent unencrypted: turn on "secure" (TLS from the first byte, usually port 465 for SMTP, 993 for IMAP) or use a server that offers STARTTLS`,
        ),
      );
      expect(remote.messages).toHaveLength(0);
    } finally {
      await remote.close();
    }
  });
});
