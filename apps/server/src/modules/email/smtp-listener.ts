/**
 * The built-in SMTP listener (SMTP_LISTEN_PORT): mail for the e-mail inboxes, taken in as a
 * company's MX (or a forwarding rule) hands it over. A recipient names its inbox (plus-tag aside)
 * in one of two ways:
 * - its forwarding address, `<identifier>@<EMAIL_INBOUND_DOMAIN>`: random, so no account can
 *   take another's;
 * - its own address (`support@acme.com`), unless SMTP_ROUTE_BY_ADDRESS=false. Any account may
 *   type any address, so an address more than one account claims is refused rather than given
 *   to one of them (and an install shared by companies that do not trust each other turns this
 *   way off).
 * It decides what it can while the client is still talking, so nothing is accepted and then dropped:
 * - a recipient that names no inbox is refused at RCPT (550); each costs a query, so the 20th
 *   refusal of a session closes it (421);
 * - a message over EMAIL_MAX_BYTES is refused (the SIZE extension announces the limit; 552);
 * - the listener holds at most SMTP_MAX_CLIENTS connections, one client (an IPv4 address, an
 *   IPv6 /64: one host's share) at most SMTP_MAX_CONNECTIONS_PER_CLIENT of them (421);
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
import ipaddr from 'ipaddr.js';
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
/** Refused recipients a session may name before it is closed: each is a lookup, and guessing addresses is harvesting them. */
const MAX_REFUSED_RECIPIENTS = 20;

interface Target {
  accountId: number;
  inboxId: number;
}

export interface SmtpListenerDependencies {
  config: Pick<Config['email'], 'listen' | 'tls' | 'maxConnectionsPerClient' | 'maxClients' | 'maxBytes' | 'timeoutMs' | 'routeByAddress' | 'inboundDomain'> & {
    listen: NonNullable<Config['email']['listen']>;
  };
  db: AppDb;
  inboundMail: Pick<InboundMail, 'accept'>;
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

/** An SMTP reply to a command, as smtp-server sends an error's `responseCode` and message. */
const reply = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * The client a connection counts against: its IPv4 address, or its IPv6 /64 (a host is commonly
 * given a whole /64, and would otherwise open as many connections as it has addresses).
 */
export function clientOf(remoteAddress: string): string {
  if (!ipaddr.isValid(remoteAddress)) return remoteAddress;
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 one it carries.
  const address = ipaddr.process(remoteAddress);
  if (address.kind() === 'ipv4') return address.toString();
  return `${(address as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

export async function startSmtpListener({ config, db, inboundMail, logger }: SmtpListenerDependencies) {
  const tls = config.tls ? { key: await readFile(config.tls.keyFile), cert: await readFile(config.tls.certFile) } : undefined;
  /** Open connections per client (clientOf), and which sessions were counted (a refused one was not). */
  const connections = new Map<string, number>();
  const counted = new Set<string>();
  /**
   * Per session: its accepted recipients' inboxes, by route (an envelope's RCPTs are looked up once
   * each), and how many recipients it was refused.
   */
  const sessions = new Map<string, { targets: Map<string, Target>; refused: number }>();
  // A lookup that ends after its session closed finds no state, and leaves none behind.
  const stateOf = (session: SMTPServerSession) => sessions.get(session.id) ?? { targets: new Map<string, Target>(), refused: 0 };

  /** The configured e-mail inbox whose forwarding address has this identifier (none or one: identifiers are unique). */
  const byIdentifier = (identifier: string): Promise<Target[]> =>
    runAsApp(db, { lookupInbox: identifier }, (tx) =>
      tx
        .select({ accountId: inboxes.accountId, inboxId: inboxes.id })
        .from(inboxes)
        .where(and(eq(inboxes.identifier, identifier), eq(inboxes.channelType, 'email'), sql`${inboxes.settings}->>'address' is not null`)),
    );

  /** The e-mail inboxes of this address: one per account that claims it (two are enough to know it is not one). */
  const byAddress = (address: string): Promise<Target[]> =>
    runAsApp(db, { lookupEmailAddress: address }, (tx) =>
      tx
        .select({ accountId: inboxes.accountId, inboxId: inboxes.id })
        .from(inboxes)
        .where(and(eq(inboxes.channelType, 'email'), sql`lower(${inboxes.settings}->>'address') = ${address}`))
        .limit(2),
    );

  /**
   * How a recipient finds its inbox (plus-tag and case aside): `key` names the route within a
   * session, `lookup` finds its inboxes. Null: it can name none (no query needed).
   */
  function routeOf(recipient: string): { key: string; lookup: () => Promise<Target[]> } | null {
    const at = recipient.lastIndexOf('@');
    if (at < 1) return null;
    const local = recipient.slice(0, at).split('+')[0]!.toLowerCase();
    const domain = recipient.slice(at + 1).toLowerCase();
    if (!local) return null;
    // The inbound domain is the install's own: an address there is a forwarding address or nothing.
    if (config.inboundDomain && domain === config.inboundDomain) return { key: `${local}@${domain}`, lookup: () => byIdentifier(local) };
    if (!config.routeByAddress) return null;
    const address = normaliseAddress(`${local}@${domain}`);
    return address ? { key: address, lookup: () => byAddress(address) } : null;
  }

  /** The answer to a recipient that names no inbox (or more than one); the session's last one closes it. */
  function refusal(session: SMTPServerSession, recipient: string, claims: number) {
    const state = stateOf(session);
    state.refused += 1;
    const [status, why] =
      claims > 1
        ? [
            '5.1.0',
            `<${recipient}>: more than one account has an inbox for this address, so it is not taken here${config.inboundDomain ? " (forward it to the inbox's forwarding address)" : ''}`,
          ]
        : ['5.1.1', `<${recipient}>: no such mailbox here`];
    if (state.refused >= MAX_REFUSED_RECIPIENTS) return reply(421, `4.7.0 ${why}; too many refused recipients, closing the connection`);
    return reply(550, `${status} ${why}`);
  }

  /** The message for one inbox: the raw bytes with `Delivered-To` lines on top, so a plus-address in the envelope alone (a Bcc, a forward) still threads. */
  function copyFor(stream: SMTPServerDataStream, recipients: string[]): Readable {
    const copy = new PassThrough();
    copy.write(recipients.map((recipient) => `Delivered-To: ${recipient}\r\n`).join(''));
    stream.pipe(copy);
    return copy;
  }

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const known = stateOf(session).targets;
    const byInbox = new Map<number, { target: Target; recipients: string[] }>();
    for (const { address } of session.envelope.rcptTo) {
      const target = known.get(routeOf(address)?.key ?? '');
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
    maxClients: config.maxClients,
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(tls ?? {}),
    closeTimeout: config.timeoutMs,

    onConnect(session, callback) {
      const client = clientOf(session.remoteAddress);
      const open = connections.get(client) ?? 0;
      if (open >= config.maxConnectionsPerClient) {
        return callback(reply(421, `4.7.0 Too many connections from ${client}, try again later`));
      }
      connections.set(client, open + 1);
      counted.add(session.id);
      sessions.set(session.id, { targets: new Map(), refused: 0 });
      callback();
    },

    onClose(session) {
      sessions.delete(session.id);
      if (!counted.delete(session.id)) return;
      const client = clientOf(session.remoteAddress);
      const open = (connections.get(client) ?? 1) - 1;
      if (open > 0) connections.set(client, open);
      else connections.delete(client);
    },

    onRcptTo({ address }, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(reply(452, '4.5.3 Too many recipients'));
      const route = routeOf(address);
      const known = stateOf(session).targets;
      if (route && known.has(route.key)) return callback();
      (route ? route.lookup() : Promise.resolve([])).then(
        (found) => {
          if (found.length !== 1) return callback(refusal(session, address, found.length));
          known.set(route!.key, found[0]!);
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
