/**
 * Mail for tests, over real SMTP on 127.0.0.1: a relay sink that records what it is given (the
 * relay an inbox's replies leave through) and answers as the test tells it, and a customer's
 * mail client (nodemailer) that sends to the built-in listener.
 */
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export interface SinkMessage {
  /** MAIL FROM (null for the empty reverse path of a bounce) and every RCPT TO. */
  envelope: { from: string | null; to: string[] };
  raw: Buffer;
  /** The raw message as text, to look for headers and parts with a regular expression. */
  text: string;
  /** What the sink answered: an SMTP code, or null when it never did (`hang`). */
  answered: number | null;
}

/**
 * How the sink answers its `nth` message (1-based): 250 accepts it, a 4xx fails it for now, a
 * 5xx refuses it for good, `hang` never answers (a relay that times out).
 */
export type SinkBehaviour = (nth: number) => number | 'hang';

export interface SmtpSinkOptions {
  /** Credentials the sink requires (AUTH PLAIN/LOGIN without TLS); none: it takes mail from anyone. */
  auth?: { user: string; password: string };
  behaviour?: SinkBehaviour;
  /** The address it listens on (default 127.0.0.1): another of this machine's is "not on this machine" to the mail servers' rules. */
  host?: string;
}

/** A relay on 127.0.0.1 (a free port) that records every message it is given, raw and with its envelope. */
export async function startSmtpSink(options: SmtpSinkOptions = {}) {
  const messages: SinkMessage[] = [];
  let behaviour: SinkBehaviour = options.behaviour ?? (() => 250);
  let count = 0;

  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    // nodemailer would take an offered STARTTLS and then refuse smtp-server's self-signed certificate.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.password) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        count += 1;
        const answer = behaviour(count);
        const raw = Buffer.concat(chunks);
        messages.push({
          envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, to: session.envelope.rcptTo.map((rcpt) => rcpt.address) },
          raw,
          text: raw.toString('utf8'),
          answered: answer === 'hang' ? null : answer,
        });
        if (answer === 'hang') return;
        if (answer < 400) callback(null, `2.0.0 queued as sink-${count}`);
        else
          callback(
            Object.assign(new Error(answer >= 500 ? 'Mailbox unavailable: the sink refuses it' : 'Try again later: the sink is busy'), {
              responseCode: answer,
            }),
          );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    messages,
    /** The inbox settings' `smtp` that point at this sink. */
    settings: { host: options.host ?? '127.0.0.1', port, secure: false, ...(options.auth ? { user: options.auth.user, password: options.auth.password } : {}) },
    /** Changes how the messages still to come are answered. */
    behave(next: SinkBehaviour) {
      behaviour = next;
    },
    async close() {
      // Hanging sessions (and the client's connection pool) would hold close() for its 30 s timeout.
      for (const connection of server.connections as Set<{ close(): void }>) connection.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;

/**
 * An address of this machine that is not loopback (undefined when it has none): to the mail
 * servers' rules (modules/email/mail-servers.ts) a connection to it crosses a network.
 */
export const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && !entry.internal && entry.family === 'IPv4')?.address;
if (!outsideAddress) console.warn('\n!!! no non-loopback IPv4 address on this machine: the STARTTLS requirement tests are SKIPPED\n');

/**
 * A customer's mail client sending straight to an SMTP server on 127.0.0.1 (the listener):
 * plain by default; `tls` to demand STARTTLS, trusting the given certificate.
 */
export function customerMailer(port: number, options: { tls?: { ca: string | Buffer } } = {}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ...(options.tls ? { requireTLS: true, tls: { ca: options.tls.ca, servername: 'localhost' } } : { ignoreTLS: true }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } satisfies SMTPTransport.Options);
  return {
    send: (message: Mail.Options) => transport.sendMail(message),
    close: () => transport.close(),
  };
}
