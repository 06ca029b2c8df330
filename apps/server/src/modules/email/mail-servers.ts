/**
 * Connections to the mail servers an account's administrators name (the SMTP relay replies
 * leave through, the IMAP mailbox mail is fetched from), made so that they cannot become a way
 * into the operator's network: the host is resolved and checked like a webhook's
 * (platform/outbound/http-client.ts), private, loopback and link-local addresses are refused
 * unless EMAIL_ALLOW_PRIVATE_NETWORKS, and the connection goes to the checked address (the
 * host name kept for TLS), so a DNS answer that changes after the check changes nothing.
 */
import { isIP } from 'node:net';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Config } from '../../config.js';
import { nonPublicRange, OutboundError, resolveDestination } from '../../platform/outbound/http-client.js';
import { LOCK_MS } from '../../platform/queue/job-store.js';
import type { MailServer } from '../inboxes/email-settings.js';

export type MailPolicy = Pick<Config['email'], 'allowPrivateNetworks' | 'timeoutMs'>;

/**
 * The longest an IMAP session of a job may last, connecting to logging out. A claimed job is
 * locked for LOCK_MS and never renewed: one still running then is run again by another worker
 * (two sessions on one mailbox). A poll starts no new message after EMAIL_TIMEOUT_MS (at most
 * half the lock); this ends the one under way, leaving the rest of the lock to the job's queries.
 */
export const IMAP_SESSION_LIMIT_MS = (LOCK_MS * 3) / 4;

/** Where talking to a mail server went wrong, in the order a connection gets there. */
export type MailServerStage = 'resolve' | 'refused_destination' | 'connect' | 'tls' | 'auth' | 'mailbox';

/** A mail server that could not be used, with what failed in words an administrator reads. */
export class MailServerError extends Error {
  constructor(
    readonly stage: MailServerStage,
    message: string,
  ) {
    super(message);
  }
}

/** The settings' host without the brackets an IPv6 literal may be written with. */
const bareHost = (host: string) => host.replace(/^\[(.*)\]$/, '$1');

/**
 * The address to connect to for `host`, checked against the policy; MailServerError
 * `refused_destination` (a private address, not allowed) or `resolve` (no address in time).
 */
export async function resolveMailServer(host: string, policy: MailPolicy, deadline?: AbortSignal): Promise<string> {
  const bare = bareHost(host);
  try {
    const [first] = await resolveDestination(new URL(`mail://${isIP(bare) === 6 ? `[${bare}]` : bare}`), policy, deadline);
    return first!.address;
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.reason === 'refused_destination') {
      throw new MailServerError(
        'refused_destination',
        `${bare} is (or resolves to) a private or reserved address, and mail servers on private networks are not allowed (EMAIL_ALLOW_PRIVATE_NETWORKS)`,
      );
    }
    throw new MailServerError('resolve', error.message);
  }
}

/** TLS checks the certificate against the name the administrator gave, not the address connected to. */
const serverName = (host: string) => (isIP(bareHost(host)) ? undefined : bareHost(host));

/**
 * Whether credentials for `server`, connected to at `address`, must wait for STARTTLS: a
 * password never crosses a network in clear. Only a connection that never leaves this machine
 * (a loopback address: a local relay, the tests) may log in without it.
 */
const mustStartTls = (server: MailServer, address: string) => !server.secure && Boolean(server.user) && nonPublicRange(address) !== 'loopback';

/**
 * nodemailer's options for the relay `server` (resolved and checked first, within `deadline`
 * when given): every exchange within `timeoutMs`; TLS from the first byte when `secure`, else
 * STARTTLS when the relay offers it, and required when a user logs in (mustStartTls); the
 * certificate always verified.
 */
export async function smtpTransportOptions(server: MailServer, config: MailPolicy, deadline?: AbortSignal): Promise<SMTPTransport.Options> {
  const address = await resolveMailServer(server.host, config, deadline);
  const servername = serverName(server.host);
  return {
    host: address,
    port: server.port,
    secure: server.secure,
    requireTLS: mustStartTls(server, address),
    ...(server.user ? { auth: { user: server.user, pass: server.password ?? '' } } : {}),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    dnsTimeout: config.timeoutMs,
    tls: servername ? { servername } : {},
  };
}

/**
 * imapflow's options for the mailbox `server` (resolved and checked first): the same timeouts
 * and STARTTLS rule, no IDLE (the fetcher polls and logs out), a literal no larger than the
 * largest message taken in.
 */
export async function imapClientOptions(
  server: MailServer,
  config: MailPolicy & Pick<Config['email'], 'maxBytes'>,
  deadline?: AbortSignal,
): Promise<ImapFlowOptions> {
  const address = await resolveMailServer(server.host, config, deadline);
  const servername = serverName(server.host);
  return {
    host: address,
    port: server.port,
    secure: server.secure,
    // imapflow refuses doSTARTTLS together with `secure` (TLS from the first byte already).
    ...(mustStartTls(server, address) ? { doSTARTTLS: true } : {}),
    ...(servername ? { servername, tls: { servername } } : {}),
    auth: { user: server.user ?? '', pass: server.password ?? '' },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    // The headroom covers the literal's framing; anything larger is refused before it is buffered.
    maxLiteralSize: config.maxBytes + 64 * 1024,
  };
}

/**
 * A logged-in IMAP session with `server` (checked like the options say), `work` done in it with
 * `mailbox` locked (MailServerError `mailbox` when it cannot be opened), then logged out; ended
 * (MailServerError `connect`) when it lasts beyond IMAP_SESSION_LIMIT_MS.
 */
export async function inImapMailbox<T>(
  server: MailServer & { mailbox: string },
  config: MailPolicy & Pick<Config['email'], 'maxBytes'>,
  work: (client: ImapFlow) => Promise<T>,
  onConnectionError: (error: Error) => void = () => undefined,
): Promise<T> {
  const deadline = AbortSignal.timeout(IMAP_SESSION_LIMIT_MS);
  const client = new ImapFlow(await imapClientOptions(server, config, deadline));
  // A socket error is also emitted as an event: unheard, it would end the process.
  client.on('error', onConnectionError);
  // Closing fails whatever command is under way: nothing of a message half downloaded is taken.
  const end = () => client.close();
  deadline.addEventListener('abort', end, { once: true });
  try {
    return await inSession(client, server, work);
  } catch (error) {
    if (!deadline.aborted) throw error;
    throw new MailServerError(
      'connect',
      `The session with ${bareHost(server.host)}:${server.port} took longer than ${IMAP_SESSION_LIMIT_MS / 1000} s and was ended`,
    );
  } finally {
    deadline.removeEventListener('abort', end);
  }
}

async function inSession<T>(client: ImapFlow, server: MailServer & { mailbox: string }, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  await client.connect();
  try {
    let lock;
    try {
      lock = await client.getMailboxLock(server.mailbox);
    } catch (error) {
      const answer = (error as { responseText?: string }).responseText ?? (error as Error).message;
      throw new MailServerError('mailbox', `The folder "${server.mailbox}" cannot be opened: ${oneLine(answer)}`);
    }
    try {
      return await work(client);
    } finally {
      lock.release();
    }
  } finally {
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
  }
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that port?)',
  ECONNRESET: 'the server closed the connection',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'no answer in time',
  CONNECT_TIMEOUT: 'no answer in time',
  GREETING_TIMEOUT: 'the server sent no greeting in time',
  ETIMEOUT: 'no answer in time',
  ESOCKET: 'the connection failed',
  ECONNECTION: 'the connection failed',
  EPIPE: 'the server closed the connection',
  NoConnection: 'the server closed the connection',
};

/** nodemailer's and imapflow's words for a server that would not start TLS when it was required. */
const STARTTLS_MISSING = /does not support STARTTLS|STARTTLS is not possible|Error upgrading connection with STARTTLS/;

const TLS_CODES = /CERT|SELF_SIGNED|SSL|TLS|ERR_TLS|UNABLE_TO_VERIFY|ALTNAME|wrong version number/i;

/**
 * What failed, from an error of nodemailer or imapflow (or the resolution before them), as a
 * stage and words for an administrator: never the password, never a stack.
 */
export function describeMailServerError(error: unknown, server: Pick<MailServer, 'host' | 'port'>): MailServerError {
  if (error instanceof MailServerError) return error;
  const failure = error as {
    code?: string;
    message?: string;
    responseCode?: number;
    response?: string;
    authenticationFailed?: boolean;
    serverResponseCode?: string;
    responseText?: string;
  };
  const where = `${bareHost(server.host)}:${server.port}`;
  const code = failure.code ?? '';
  const text = failure.message ?? String(error);
  if (STARTTLS_MISSING.test(text)) {
    return new MailServerError(
      'tls',
      `${where} does not offer STARTTLS, and a password is never sent unencrypted: turn on "secure" (TLS from the first byte, usually port 465 for SMTP, 993 for IMAP) or use a server that offers STARTTLS`,
    );
  }
  if (failure.authenticationFailed || code === 'EAUTH' || code === 'AUTHENTICATIONFAILED' || failure.serverResponseCode === 'AUTHENTICATIONFAILED') {
    const answer = failure.response ?? failure.responseText;
    return new MailServerError('auth', `${where} refused the user name or password${answer ? `: ${oneLine(answer)}` : ''}`);
  }
  if (TLS_CODES.test(code) || TLS_CODES.test(text)) return new MailServerError('tls', `TLS with ${where} failed: ${oneLine(text)}`);
  // nodemailer wraps a socket's error (ECONNREFUSED) in its own code (ESOCKET), keeping the first in the message.
  const socketCode = /\b(E[A-Z]{4,})\b/.exec(text)?.[1];
  const network = (socketCode && NETWORK_CODES[socketCode]) ?? NETWORK_CODES[code] ?? (/timeout|timed out/i.test(text) ? 'no answer in time' : undefined);
  if (network) return new MailServerError('connect', `Could not talk to ${where}: ${network}`);
  return new MailServerError('connect', `${where} answered: ${oneLine(failure.response ?? text)}`);
}

/** A server's answer as one short line (it goes into a JSON message, a log, a settings field). */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);
