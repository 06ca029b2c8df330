/**
 * The built-in SMTP listener (SMTP_LISTEN_PORT): mail for the e-mail inboxes' addresses, taken
 * in as a company's MX (or a forwarding rule) hands it over. It decides what it can while the
 * client is still talking, so nothing is accepted and then dropped:
 * - a recipient that is no inbox's address (plus-tag aside) is refused at RCPT (550 5.1.1);
 * - a message over EMAIL_MAX_BYTES is refused (the SIZE extension announces the limit; 552);
 * - one client address holds at most SMTP_MAX_CONNECTIONS_PER_CLIENT connections (421);
 * - 250 is answered only once the message is stored and its job committed, per inbox
 *   (inboundMail.accept); a sender over its rate limit, or a failure of ours, gets a 451 and
 *   its server tries again later: nothing is lost.
 * STARTTLS is offered when SMTP_TLS_KEY/SMTP_TLS_CERT are set; there is no AUTH (this is a
 * receiving server, not a relay).
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../../config.js';
import type { AppDb } from '../../db/client.js';
import { inboxes } from '../../db/schema.js';
import { AppError } from '../../platform/errors.js';
import { runAsApp } from '../../platform/tenancy.js';
import { normaliseAddress } from '../inboxes/email-settings.js';
import type { InboundMail } from './inbound-mail.js';

/** RFC 5321 (4.5.3.1.8) asks a server to take at least 100 recipients; a message to more is refused beyond them. */
const MAX_RECIPIENTS = 100;

interface Target {
  accountId: number;
  inboxId: number;
}

export interface SmtpListenerDependencies {
  config: Pick<Config['email'], 'listen' | 'tls' | 'maxConnectionsPerClient' | 'maxBytes' | 'timeoutMs'> & { listen: NonNullable<Config['email']['listen']> };
  db: AppDb;
  inboundMail: Pick<InboundMail, 'accept'>;
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

/** An SMTP reply to a command, as smtp-server sends an error's `responseCode` and message. */
const reply = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/** `Support+c42-3f9a@Example.com` → `support@example.com`: the inbox address a recipient is for. */
function inboxAddressOf(recipient: string): string | null {
  const at = recipient.lastIndexOf('@');
  if (at < 1) return null;
  const local = recipient.slice(0, at).split('+')[0]!;
  return normaliseAddress(`${local}@${recipient.slice(at + 1)}`);
}

export async function startSmtpListener({ config, db, inboundMail, logger }: SmtpListenerDependencies) {
  const tls = config.tls ? { key: await readFile(config.tls.keyFile), cert: await readFile(config.tls.certFile) } : undefined;
  /** Open connections per client address, and which sessions were counted (a refused one was not). */
  const connections = new Map<string, number>();
  const counted = new Set<string>();
  /** Each session's accepted recipients' inboxes, by inbox address (an envelope's RCPTs are checked once each). */
  const targets = new Map<string, Map<string, Target>>();

  async function findInbox(address: string): Promise<Target | undefined> {
    const [inbox] = await runAsApp(db, { lookupEmailAddress: address }, (tx) =>
      tx
        .select({ accountId: inboxes.accountId, inboxId: inboxes.id })
        .from(inboxes)
        .where(and(eq(inboxes.channelType, 'email'), sql`lower(${inboxes.settings}->>'address') = ${address}`)),
    );
    return inbox;
  }

  /** The message for one inbox: the raw bytes with `Delivered-To` lines on top, so a plus-address in the envelope alone (a Bcc, a forward) still threads. */
  function copyFor(stream: SMTPServerDataStream, recipients: string[]): Readable {
    const copy = new PassThrough();
    copy.write(recipients.map((recipient) => `Delivered-To: ${recipient}\r\n`).join(''));
    stream.pipe(copy);
    return copy;
  }

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const known = targets.get(session.id) ?? new Map<string, Target>();
    const byInbox = new Map<number, { target: Target; recipients: string[] }>();
    for (const { address } of session.envelope.rcptTo) {
      const target = known.get(inboxAddressOf(address) ?? '');
      if (!target) continue;
      const entry = byInbox.get(target.inboxId) ?? { target, recipients: [] };
      entry.recipients.push(address);
      byInbox.set(target.inboxId, entry);
    }
    const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address || null : null;
    const copies = [...byInbox.values()].map(({ target, recipients }) => ({ target, copy: copyFor(stream, recipients) }));
    // A client gone mid-message: pipe() would leave the copies waiting for an end that never comes.
    stream.once('error', () => undefined);
    stream.once('close', () => {
      if (!stream.readableEnded) for (const { copy } of copies) copy.destroy(new Error('The client closed the connection before the end of the message'));
    });
    const outcomes = await Promise.allSettled(
      copies.map(({ target, copy }) =>
        inboundMail.accept(target, copy, 'smtp', { sender }).catch((error: unknown) => {
          // A copy no longer read would hold the others back (pipe() waits for its slowest reader).
          copy.resume();
          throw error;
        }),
      ),
    );
    // A copy whose accept stopped early (too large, rate limited) no longer reads: the rest of
    // the message is drained, since the reply waits for its end.
    if (!stream.readableEnded) {
      stream.unpipe();
      stream.resume();
    }
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    banner: 'HummDesk',
    size: config.maxBytes,
    rejectOversized: true,
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(tls ?? {}),
    closeTimeout: config.timeoutMs,

    onConnect(session, callback) {
      const open = connections.get(session.remoteAddress) ?? 0;
      if (open >= config.maxConnectionsPerClient) {
        return callback(reply(421, `4.7.0 Too many connections from ${session.remoteAddress}, try again later`));
      }
      connections.set(session.remoteAddress, open + 1);
      counted.add(session.id);
      callback();
    },

    onClose(session) {
      targets.delete(session.id);
      if (!counted.delete(session.id)) return;
      const open = (connections.get(session.remoteAddress) ?? 1) - 1;
      if (open > 0) connections.set(session.remoteAddress, open);
      else connections.delete(session.remoteAddress);
    },

    onRcptTo({ address }, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(reply(452, '4.5.3 Too many recipients'));
      const inboxAddress = inboxAddressOf(address);
      const known = targets.get(session.id) ?? new Map<string, Target>();
      targets.set(session.id, known);
      if (inboxAddress && known.has(inboxAddress)) return callback();
      (inboxAddress ? findInbox(inboxAddress) : Promise.resolve(undefined)).then(
        (target) => {
          if (!target) return callback(reply(550, `5.1.1 <${address}>: no such mailbox here`));
          known.set(inboxAddress!, target);
          callback();
        },
        (error: unknown) => {
          logger.error({ err: error }, 'SMTP listener: looking up a recipient failed');
          callback(reply(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    },

    onData(stream, session, callback) {
      receive(stream, session).then(
        () => callback(null, '2.0.0 Message accepted'),
        (error: unknown) => {
          if (error instanceof AppError && error.code === 'email_too_large') return callback(reply(552, `5.3.4 ${error.message}`));
          if (error instanceof AppError && error.code === 'sender_rate_limited') return callback(reply(451, `4.7.1 ${error.message}`));
          logger.error({ err: error }, 'SMTP listener: storing a message failed');
          callback(reply(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    },
  });

  server.on('error', (error) => logger.warn({ err: error }, 'SMTP listener: connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  logger.info({ port, host: config.listen.host, starttls: Boolean(tls) }, 'SMTP listener ready');

  return {
    port,
    /** Stops taking connections; those open may finish their message (up to EMAIL_TIMEOUT_MS). */
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpListener = Awaited<ReturnType<typeof startSmtpListener>>;
