/**
 * An e-mail inbox's settings: its address, the SMTP relay its replies leave through, the IMAP
 * mailbox it may fetch from, and the secret of its inbound webhook. Passwords are sealed before
 * they are stored (platform/secret-box.ts) and never come back in an answer: the API says only
 * whether one is set. A write names only what changes; a password left out is kept.
 */
import { randomBytes } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { UnprocessableError } from '../../platform/errors.js';
import type { SecretBox } from '../../platform/secret-box.js';
import { DEFAULT_MAIL_PORTS } from './mail-ports.js';

const Server = {
  host: Type.String({ description: 'Host name or IP address' }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  secure: Type.Boolean({
    description: 'TLS from the first byte (ports 465 and 993); false: STARTTLS, which the server must offer when a user is set (unless it is on this machine)',
  }),
  user: Type.Optional(Type.String()),
  passwordSet: Type.Boolean({ description: 'Whether a password is stored (it is never shown)' }),
};

export const EmailSettings = Type.Object(
  {
    address: Type.String({ description: 'The address customers write to, e.g. support@example.com' }),
    forwardingAddress: Type.Optional(
      Type.String({
        readOnly: true,
        description:
          "The inbox's own address at the install's inbound domain (EMAIL_INBOUND_DOMAIN), which no other inbox can claim: forward the company's address to it. Given by HummDesk, not accepted on write (administrators only)",
      }),
    ),
    smtp: Type.Optional(Type.Object(Server, { description: 'The relay replies leave through (administrators only)' })),
    imap: Type.Optional(
      Type.Object(
        { ...Server, mailbox: Type.String({ description: 'The folder fetched (default INBOX)' }) },
        { description: 'A mailbox HummDesk fetches new mail from (administrators only)' },
      ),
    ),
    imapState: Type.Optional(
      Type.Object(
        {
          lastFetchAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the mailbox was last fetched (or tried)' }),
          lastError: Type.Union([Type.String(), Type.Null()], { description: 'What went wrong the last time, in words; null when it worked' }),
        },
        { description: 'How fetching the IMAP mailbox went (administrators only)' },
      ),
    ),
    inboundSecret: Type.Optional(
      Type.String({
        description:
          "Authenticates mail posted to the inbox's inbound webhook (`Authorization: Bearer <secret>`, or as the password of HTTP Basic auth). Shown to an administrator's session only",
      }),
    ),
  },
  { additionalProperties: false, title: 'EmailSettings' },
);

export type PresentedEmailSettings = Static<typeof EmailSettings>;

/** A server as stored: the password sealed. (Types, not interfaces: the row's JSON column takes them.) */
type StoredServer = {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
};

/** How the last IMAP fetch went (modules/email/imap-fetcher.ts writes it). */
export type ImapState = { lastFetchAt: string | null; lastError: string | null };

export type StoredEmailSettings = {
  address: string;
  smtp: StoredServer;
  imap?: StoredServer & { mailbox: string };
  imapState?: ImapState;
  inboundSecret: string;
};

/** A server as the sending job and the IMAP fetcher use it: the password opened. */
export interface MailServer {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
}

export interface EmailChannel {
  address: string;
  smtp: MailServer;
  imap?: (MailServer & { mailbox: string }) | undefined;
  inboundSecret: string;
}

type Raw = Record<string, unknown>;

const invalid = (field: string, message: string) => new UnprocessableError('invalid_settings', `settings.${field} ${message}`, `body.settings.${field}`);

/** An address as mail is routed to it: `local@domain`, lower-case, no `+` (HummDesk's own plus-addresses thread replies). */
const ADDRESS = /^[a-z0-9!#$%&'*/=?^_`{|}~.-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^\[?[0-9a-f:.]+\]?$/i;
export const MAX_CREDENTIAL_LENGTH = 1024;

/** Whether `value` is a host name or IP address a mail server may be given as. */
export const isMailHost = (value: string) => HOST.test(value.trim());

export const newInboundSecret = () => randomBytes(24).toString('hex');

/**
 * The address mail forwarded to an inbox arrives at: its random identifier at the install's
 * inbound domain. Nobody picks it, so nobody can take another company's (unlike `address`, which
 * any account may type).
 */
export const forwardingAddress = (identifier: string, inboundDomain: string) => `${identifier}@${inboundDomain}`;

export function normaliseAddress(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 254) return null;
  const address = value.trim().toLowerCase();
  return ADDRESS.test(address) ? address : null;
}

function server(field: string, given: unknown, current: StoredServer | undefined, box: SecretBox, defaultPort: { tls: number; plain: number }): StoredServer {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw invalid(field, 'must be an object with host, port and secure');
  const raw = given as Raw;
  const known = ['host', 'port', 'secure', 'user', 'password', ...(field === 'imap' ? ['mailbox'] : [])];
  const unknown = Object.keys(raw).find((key) => !known.includes(key));
  if (unknown) throw invalid(`${field}.${unknown}`, `is not a setting of ${field} (it has ${known.join(', ')})`);
  const next: StoredServer = current ? { ...current } : { host: '', port: 0, secure: false };
  if (raw.host !== undefined) {
    if (typeof raw.host !== 'string' || !HOST.test(raw.host.trim())) throw invalid(`${field}.host`, 'must be a host name or IP address');
    next.host = raw.host.trim().toLowerCase();
  }
  if (!next.host) throw invalid(`${field}.host`, 'is required');
  if (raw.secure !== undefined) {
    if (typeof raw.secure !== 'boolean') throw invalid(`${field}.secure`, 'must be true or false');
    next.secure = raw.secure;
  }
  if (raw.port !== undefined) {
    if (typeof raw.port !== 'number' || !Number.isInteger(raw.port) || raw.port < 1 || raw.port > 65535)
      throw invalid(`${field}.port`, 'must be a port number (1-65535)');
    next.port = raw.port;
  }
  if (!next.port) next.port = next.secure ? defaultPort.tls : defaultPort.plain;
  if (raw.user !== undefined) {
    if (raw.user === null || raw.user === '') delete next.user;
    else if (typeof raw.user !== 'string' || raw.user.length > MAX_CREDENTIAL_LENGTH || /[\r\n]/.test(raw.user))
      throw invalid(`${field}.user`, 'must be a user name');
    else next.user = raw.user;
  }
  if (raw.password !== undefined) {
    if (raw.password === null || raw.password === '') delete next.password;
    else if (typeof raw.password !== 'string' || raw.password.length > MAX_CREDENTIAL_LENGTH)
      throw invalid(`${field}.password`, `must be text of up to ${MAX_CREDENTIAL_LENGTH} characters`);
    else next.password = box.seal(raw.password);
  }
  return next;
}

/** The stored settings after a write (the current ones, or none for a new inbox, with the given fields over them). */
export function mergeEmailSettings(given: Raw, current: Raw, box: SecretBox): StoredEmailSettings {
  if (given.forwardingAddress !== undefined)
    throw invalid('forwardingAddress', 'is given by HummDesk (the inbox identifier at EMAIL_INBOUND_DOMAIN) and cannot be set');
  const known = ['address', 'smtp', 'imap', 'inboundSecret'];
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown) throw invalid(unknown, `is not a setting of email inboxes (they have ${known.join(', ')})`);
  const base = (typeof current.address === 'string' ? current : {}) as Partial<StoredEmailSettings>;
  const address = given.address === undefined ? base.address : normaliseAddress(given.address);
  if (!address) throw invalid('address', 'must be an e-mail address such as support@example.com, without "+"');
  if (given.smtp === undefined && !base.smtp) throw invalid('smtp', 'is required: the relay replies leave through ({host, port, secure, user, password})');
  const smtp = given.smtp === undefined ? base.smtp! : server('smtp', given.smtp, base.smtp, box, DEFAULT_MAIL_PORTS.smtp);
  let imap = base.imap;
  if (given.imap === null) imap = undefined;
  else if (given.imap !== undefined) {
    const next = server('imap', given.imap, base.imap, box, DEFAULT_MAIL_PORTS.imap) as StoredServer & { mailbox?: unknown };
    const mailbox = (given.imap as Raw).mailbox ?? next.mailbox ?? 'INBOX';
    if (typeof mailbox !== 'string' || mailbox.trim() === '' || mailbox.length > 200) throw invalid('imap.mailbox', 'must be a folder name such as INBOX');
    if (!next.user) throw invalid('imap.user', 'is required');
    if (!next.password) throw invalid('imap.password', 'is required');
    imap = { ...next, mailbox: mailbox.trim() };
  }
  let inboundSecret = base.inboundSecret ?? newInboundSecret();
  if (given.inboundSecret !== undefined) {
    if (typeof given.inboundSecret !== 'string' || given.inboundSecret.length < 24 || given.inboundSecret.length > 200 || /\s/.test(given.inboundSecret)) {
      throw invalid('inboundSecret', 'must be 24 to 200 characters without spaces');
    }
    inboundSecret = given.inboundSecret;
  }
  // The last fetch's outcome says nothing about a mailbox that was just changed.
  const imapState = given.imap === undefined && imap ? base.imapState : undefined;
  return { address, smtp, ...(imap ? { imap } : {}), ...(imapState ? { imapState } : {}), inboundSecret };
}

const presentServer = ({ password, ...rest }: StoredServer) => ({ ...rest, passwordSet: password !== undefined });

/**
 * The settings as the API shows them: never a password; the servers and the forwarding address
 * (when the install has an inbound domain) to administrators, the inbound secret to an
 * administrator's session only.
 */
export function presentEmailSettings(
  stored: Raw,
  viewer: { administrator: boolean; showSecret: boolean },
  forwarding?: string,
): PresentedEmailSettings | Record<string, never> {
  if (typeof stored.address !== 'string') return {};
  const settings = stored as unknown as StoredEmailSettings;
  if (!viewer.administrator) return { address: settings.address };
  return {
    address: settings.address,
    ...(forwarding ? { forwardingAddress: forwarding } : {}),
    smtp: presentServer(settings.smtp),
    ...(settings.imap ? { imap: { ...presentServer(settings.imap), mailbox: settings.imap.mailbox } } : {}),
    ...(settings.imap && settings.imapState ? { imapState: settings.imapState } : {}),
    ...(viewer.showSecret ? { inboundSecret: settings.inboundSecret } : {}),
  };
}

/**
 * The settings with their passwords opened, for the sending job and the IMAP fetcher. A
 * password sealed under another key (HUMMDESK_ENCRYPTION_KEY changed) cannot be opened: an
 * error that says so, for the delivery state and the connection test.
 */
export function openEmailSettings(stored: Raw, box: SecretBox): EmailChannel {
  if (typeof stored.address !== 'string') throw new UnprocessableError('email_not_configured', 'The inbox has no e-mail settings');
  const settings = stored as unknown as StoredEmailSettings;
  const open = ({ password, ...rest }: StoredServer): MailServer => {
    if (password === undefined) return rest;
    try {
      return { ...rest, password: box.open(password) };
    } catch {
      throw new UnprocessableError('credentials_unreadable', 'The stored password cannot be read (was HUMMDESK_ENCRYPTION_KEY changed?): enter it again');
    }
  };
  return {
    address: settings.address,
    smtp: open(settings.smtp),
    ...(settings.imap ? { imap: { ...open(settings.imap), mailbox: settings.imap.mailbox } } : {}),
    inboundSecret: settings.inboundSecret,
  };
}
