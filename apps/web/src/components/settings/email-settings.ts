/**
 * An e-mail inbox's settings as the channel dialog edits them: the address, the SMTP relay
 * replies leave through, the IMAP mailbox new mail may be fetched from, and the inbound webhook a
 * mail provider posts to. Passwords are write-only: the API says whether one is stored, and a
 * password field left empty keeps it.
 */
import { DEFAULT_MAIL_PORTS, type MailServerKind } from '../../../../server/src/modules/inboxes/mail-ports';
import type { Inbox } from '../../api/client';

// The server's defaults, the same ones (mail-ports.ts imports nothing, so it bundles as it is).
export { DEFAULT_MAIL_PORTS, type MailServerKind };
export type EmailSettings = Extract<Inbox['settings'], { address: string }>;

export interface MailServerForm {
  host: string;
  port: number | null;
  secure: boolean;
  user: string;
  /** Typed by the administrator; empty keeps the stored one. */
  password: string;
  passwordSet: boolean;
}

export interface EmailForm {
  address: string;
  smtp: MailServerForm;
  /** Whether HummDesk fetches new mail from an IMAP mailbox. */
  fetchImap: boolean;
  imap: MailServerForm & { mailbox: string };
}

export const emailSettingsOf = (inbox: Inbox | null) =>
  inbox?.channelType === 'email' && 'address' in inbox.settings ? (inbox.settings as EmailSettings) : null;

function serverForm(
  kind: MailServerKind,
  stored: { host: string; port: number; secure: boolean; user?: string; passwordSet: boolean } | undefined,
): MailServerForm {
  if (!stored) return { host: '', port: DEFAULT_MAIL_PORTS[kind].plain, secure: false, user: '', password: '', passwordSet: false };
  return { host: stored.host, port: stored.port, secure: stored.secure, user: stored.user ?? '', password: '', passwordSet: stored.passwordSet };
}

/** The form for an inbox's stored settings (empty ones for a new inbox, or one not set up yet). */
export function emailFormOf(inbox: Inbox | null): EmailForm {
  const settings = emailSettingsOf(inbox);
  return {
    address: settings?.address ?? '',
    smtp: serverForm('smtp', settings?.smtp),
    fetchImap: !!settings?.imap,
    imap: { ...serverForm('imap', settings?.imap), mailbox: settings?.imap?.mailbox ?? 'INBOX' },
  };
}

/**
 * A server's fields as the API takes them. No user means no login: a stored password goes too.
 * A port left empty is the server's default for the TLS choice.
 */
function serverBody(server: MailServerForm) {
  const user = server.user.trim();
  return {
    host: server.host.trim(),
    ...(server.port === null ? {} : { port: server.port }),
    secure: server.secure,
    user: user || null,
    ...(server.password ? { password: server.password } : user ? {} : { password: null }),
  };
}

/** The `settings` of the create or update request: IMAP switched off takes the stored mailbox away. */
export function emailSettingsBody(form: EmailForm, stored: EmailSettings | null) {
  const imap = form.fetchImap ? { ...serverBody(form.imap), mailbox: form.imap.mailbox.trim() || 'INBOX' } : stored?.imap ? null : undefined;
  return { address: form.address.trim(), smtp: serverBody(form.smtp), ...(imap === undefined ? {} : { imap }) };
}

export type EmailSettingsBody = ReturnType<typeof emailSettingsBody>;

/** What the connection test tries: the form's values, so a change can be tried before it is saved. */
export function connectionTestBody(kind: MailServerKind, form: EmailForm) {
  const { host, port, secure, user, password } = form[kind];
  return {
    server: kind,
    settings: {
      host: host.trim(),
      ...(port === null ? {} : { port }),
      secure,
      // Empty: no login (left out, the stored user would be tried).
      user: user.trim(),
      // Left out: the stored password is tried.
      ...(password ? { password } : {}),
      ...(kind === 'imap' ? { mailbox: form.imap.mailbox.trim() || 'INBOX' } : {}),
    },
  };
}

/** Switching TLS moves a port that was the usual one to the other usual one; a custom port stays. */
export function portAfterTlsChange(kind: MailServerKind, port: number | null, secure: boolean): number | null {
  const usual = DEFAULT_MAIL_PORTS[kind];
  if (port === null || port === (secure ? usual.plain : usual.tls)) return secure ? usual.tls : usual.plain;
  return port;
}

/** Where a mail provider (Postmark, Mailgun, SendGrid, …) posts the inbox's mail. */
export const inboundWebhookUrl = (identifier: string, origin = location.origin) => `${origin}/api/public/inboxes/${identifier}/email`;

/** A secret as the server makes them (24 random bytes, hex). */
export function newInboundSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export interface ConnectionTestAnswer {
  ok: boolean;
  stage?: string;
  message?: string;
}

/** The step that failed, as a few words (the server's message says the rest). */
const STAGES: Record<string, string> = {
  resolve: 'host name not found',
  connect: 'no connection',
  tls: 'TLS failed',
  auth: 'login refused',
  mailbox: 'mailbox not opened',
  refused_destination: 'server not allowed',
};

/** The connection test's answer in words: what failed, then the server's own words. */
export function connectionTestSummary(kind: MailServerKind, answer: ConnectionTestAnswer): string {
  if (answer.ok) return kind === 'smtp' ? 'Connected: the SMTP relay takes mail from HummDesk.' : 'Connected: signed in, and the mailbox opened.';
  const step = answer.stage ? (STAGES[answer.stage] ?? answer.stage) : 'failed';
  return `Not connected (${step})${answer.message ? `: ${answer.message}` : '.'}`;
}
