/**
 * Reading one raw e-mail into what the inbox keeps of it (runs in the parsing thread,
 * mail-parser.ts; pure otherwise): its ids and addresses for threading, the reply text without
 * the quoted history and signature (email-reply-parser), the whole text, the sanitised HTML, the
 * attachments it may keep, whether it is automatic mail, the receiving server's SPF/DKIM/DMARC
 * verdict, and whether it is a bounce of one of our replies.
 *
 * Nothing here throws on a malformed message: mailparser reads what it can, and a message it
 * cannot read at all is read by its header block and its bytes as text (`readRoughly`).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import EmailReplyParser from 'email-reply-parser';
import { simpleParser, type AddressObject, type Attachment, type HeaderLines, type ParsedMail } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { EmailDetails } from '../../db/schema.js';
import { attachmentType, inspect, sniff } from '../attachments/content-type.js';
import { cleanFileName } from '../attachments/uploads.js';
import { MESSAGE_MAX_LENGTH } from '../conversations/conversations.schema.js';
import { EMAIL_HTML_MAX_CHARS, sanitizeEmailHtml } from './email-html.js';
import { headerFields, headerText, messageIds, splitMessage } from './mail-headers.js';

/** Most characters of a message's whole text kept (`email.fullText`); the rest is left out, marked. */
export const FULL_TEXT_MAX_CHARS = 1_000_000;
/** The content of a mail without any text, subject or attachment (a message needs one or the other). */
const NO_TEXT = '(This e-mail has no text.)';
/** Most Message-IDs of a References header followed (the newest). */
const MAX_REFERENCES = 50;
/** A header value is at most this long (RFC 5322 lines are 998 characters). */
const HEADER_MAX_CHARS = 998;

export interface ReadLimits {
  /** Most attachments kept; the rest are counted in `email.attachmentsDropped`. */
  maxFiles: number;
  /** Largest attachment kept, in bytes. */
  maxFileBytes: number;
}

export interface ReadAttachment {
  fileName: string;
  /** Checked as an upload's is (content-type.ts): a type that may not be attached is dropped. */
  contentType: string;
  content: Uint8Array;
}

/** A delivery-status notification, or a mailer daemon's returned mail, naming the mail it is about. */
export interface Bounce {
  /** A permanent failure; a delay or success notice is not (it only must not open a conversation). */
  failed: boolean;
  /** In words, from the receiving server's answer when it gave one. */
  reason: string;
  /** The Message-IDs of the returned message (ours, when it was one of our replies). */
  messageIds: string[];
  /** A multipart/report DSN (true), or a daemon's plain-text message that only looks like one. */
  report: boolean;
}

export interface ReadMail {
  /** The Message-ID with its angle brackets; a mail without one gets one from its bytes' hash. */
  messageId: string;
  /** The reply as the conversation shows it: no quoted history, no signature. */
  content: string;
  /** `attachmentsDropped` is set by the reader only when some were. */
  email: EmailDetails;
  /** Every address the mail was sent to (To, Cc, Delivered-To, X-Original-To): a plus-address names a conversation. */
  recipients: string[];
  attachments: ReadAttachment[];
  bounce: Bounce | null;
  /** Why the mail was read only roughly (its MIME could not be parsed), if it was. */
  unreadable?: string;
}

export async function readMail(raw: Buffer, limits: ReadLimits): Promise<ReadMail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { keepCidLinks: true, skipTextToHtml: true, skipImageLinks: true });
  } catch (error) {
    return readRoughly(raw, `its MIME structure could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  const lines = mail.headerLines ?? [];
  const from = firstAddress(mail.from);
  const fullText = normaliseText(mail.text ?? '');
  const kept = await keptAttachments(mail.attachments, limits);
  const html = typeof mail.html === 'string' ? sanitizeEmailHtml(mail.html, (cid) => kept.byContentId.get(cid)) : null;
  // Bytes that are no e-mail (no sender, no subject, no body, no parts): mailparser took them all for headers.
  if (!from && !mail.subject && !fullText && !html && kept.files.length === 0) return readRoughly(raw, 'it has no readable headers or body');
  const email: EmailDetails = {
    subject: shownHeader(mail.subject),
    from,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    html: html && html.length <= EMAIL_HTML_MAX_CHARS ? normaliseText(html) : null,
    fullText: capped(fullText),
    inReplyTo: messageIds(mail.inReplyTo)[0] ?? null,
    references: messageIds(mail.references).slice(-MAX_REFERENCES),
    automated: isAutomated(lines),
    authentication: authentication(lines),
    ...(kept.dropped > 0 ? { attachmentsDropped: kept.dropped } : {}),
  };
  return {
    messageId: messageIds(mail.messageId)[0] ?? hashedMessageId(raw),
    content: replyText(fullText, email.subject) || (kept.files.length > 0 ? '' : NO_TEXT),
    email,
    recipients: [...email.to, ...email.cc, ...headerAddresses(lines, 'delivered-to'), ...headerAddresses(lines, 'x-original-to')],
    attachments: kept.files,
    bounce: bounce(raw, mail, from),
  };
}

/**
 * A message mailparser could not read (or could not read in time): its header block by hand,
 * its bytes as text. The agents see what came, and that it came broken.
 */
export function readRoughly(raw: Buffer, why: string): ReadMail {
  const text = raw.toString('utf8');
  const parts = splitMessage(text);
  const header = (name: string) => headerFields(parts?.head ?? '', name)[0];
  const fromHeader = header('from');
  const [first] = fromHeader ? addressparser(fromHeader, { flatten: true }) : [];
  const fullText = normaliseText(parts ? parts.body.trimStart() : text);
  const subject = shownHeader(header('subject'));
  const email: EmailDetails = {
    subject,
    from: first?.address ? { address: first.address.toLowerCase(), name: first.name || null } : null,
    to: [],
    cc: [],
    html: null,
    fullText: capped(fullText),
    inReplyTo: messageIds(header('in-reply-to'))[0] ?? null,
    references: messageIds(header('references')).slice(-MAX_REFERENCES),
    automated: false,
    authentication: null,
  };
  const note = `[This e-mail could not be read properly: ${why}. Its text is shown as it came.]`;
  return {
    messageId: messageIds(header('message-id'))[0] ?? hashedMessageId(raw),
    content: `${note}\n\n${fullText}`.slice(0, MESSAGE_MAX_LENGTH),
    email,
    recipients: [],
    attachments: [],
    bounce: null,
    unreadable: why,
  };
}

/**
 * The reply without what it quotes and the signature. A message that is all quote (a forward
 * with nothing added) keeps its whole text; one without any text says its subject.
 */
function replyText(fullText: string, subject: string | null): string {
  let visible = '';
  try {
    visible = new EmailReplyParser().read(fullText).getVisibleText().trim();
  } catch {
    // The parser's patterns failing on odd text is no reason to lose the message: the whole text stands.
  }
  const said = visible || fullText.trim() || subject?.trim() || '';
  return said.length > MESSAGE_MAX_LENGTH ? `${said.slice(0, MESSAGE_MAX_LENGTH - 1)}…` : said;
}

async function keptAttachments(attachments: Attachment[], limits: ReadLimits) {
  const files: ReadAttachment[] = [];
  const byContentId = new Map<string, number>();
  let dropped = 0;
  for (const attachment of attachments) {
    // A bounce's returned headers and status are what the bounce says, not files of the customer's.
    if (/^(?:message\/delivery-status|text\/rfc822-headers|message\/feedback-report)$/i.test(attachment.contentType)) continue;
    const checked = files.length < limits.maxFiles ? await checkedType(attachment, limits) : undefined;
    if (!checked) {
      dropped += 1;
      continue;
    }
    if (attachment.cid) byContentId.set(attachment.cid, files.length);
    // A copy of its own: mailparser's small buffers share Node's pool, which cannot move to another thread.
    files.push({ fileName: checked.fileName, contentType: checked.contentType, content: new Uint8Array(attachment.content) });
  }
  return { files, byContentId, dropped };
}

/** The attachment's name and type as an upload's would be; undefined for one that may not be attached (or is too large). */
async function checkedType(attachment: Attachment, limits: ReadLimits) {
  const content = attachment.content;
  // A byte stream, as file-type reads it (an object-mode one it takes for empty).
  const sniffedType = await sniff(Readable.from([content], { objectMode: false }));
  const extension = sniffedType?.split('/')[1]?.replace(/[^a-z0-9]/g, '');
  const given = attachment.filename ?? (sniffedType?.startsWith('image/') ? `image.${extension}` : undefined);
  const fileName = cleanFileName(given);
  try {
    const inspection = inspect(Readable.from([content]), limits.maxFileBytes);
    for await (const _ of inspection.bytes);
    return { fileName, contentType: attachmentType(fileName, sniffedType, inspection.done()) };
  } catch {
    return undefined;
  }
}

/**
 * Auto-replies, bulk and list mail (RFC 3834's Auto-Submitted, the older X-Autoreply and
 * X-Autorespond, Precedence, List-Id): they thread and open conversations like any mail, but
 * nothing may answer them automatically (mail loops).
 */
function isAutomated(lines: HeaderLines): boolean {
  const value = (key: string) => headerValues(lines, key)[0]?.toLowerCase();
  const autoSubmitted = value('auto-submitted');
  return (
    (autoSubmitted !== undefined && autoSubmitted !== 'no') ||
    value('x-autoreply') !== undefined ||
    value('x-autorespond') !== undefined ||
    /^(?:bulk|junk|list|auto_reply)$/.test(value('precedence') ?? '') ||
    value('list-id') !== undefined
  );
}

/**
 * The verdict of the topmost Authentication-Results header: the one the server that handed us
 * the mail (the MX, the IMAP provider) added last; any below it may come from the sender.
 * Failed: DMARC fails, or SPF fails without a passing DKIM signature to vouch for the sender.
 */
function authentication(lines: HeaderLines): EmailDetails['authentication'] {
  const header = headerValues(lines, 'authentication-results')[0];
  if (!header) return null;
  // Comments `(...)` carry free text such as "google.com: domain of x designates y".
  let value = header;
  for (let previous = ''; previous !== value;) [previous, value] = [value, value.replace(/\([^()]*\)/g, ' ')];
  const results: Record<'spf' | 'dkim' | 'dmarc', string[]> = { spf: [], dkim: [], dmarc: [] };
  for (const match of value.matchAll(/(?:^|[\s;])(spf|dkim|dmarc)\s*=\s*([a-z]+)/gi)) {
    results[match[1]!.toLowerCase() as keyof typeof results].push(match[2]!.toLowerCase());
  }
  if (results.spf.length + results.dkim.length + results.dmarc.length === 0) return null;
  // Several DKIM signatures: one that passes vouches for the mail.
  const dkim = results.dkim.includes('pass') ? 'pass' : (results.dkim[0] ?? null);
  const spf = results.spf[0] ?? null;
  const dmarc = results.dmarc[0] ?? null;
  const failed = dmarc === 'fail' || ((spf === 'fail' || spf === 'softfail') && dkim !== 'pass');
  return { spf, dkim, dmarc, failed };
}

/**
 * A bounce: a delivery-status report (RFC 3464, multipart/report), or a mailer daemon's plain
 * "returned mail" that quotes the original's headers. Either names the returned message's
 * Message-ID in the headers it gives back.
 */
function bounce(raw: Buffer, mail: ParsedMail, from: EmailDetails['from']): Bounce | null {
  const contentType = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const report = contentType?.value?.toLowerCase() === 'multipart/report' && contentType.params?.['report-type']?.toLowerCase() === 'delivery-status';
  const daemon = /^(?:mailer-daemon|mail-daemon|postmaster)@/i.test(from?.address ?? '');
  if (!report && !daemon) return null;
  const text = raw.toString('latin1');
  // The returned headers and the report's fields are lines of the body.
  const body = splitMessage(text)?.body ?? text;
  const ids = headerFields(body, 'message-id').flatMap((value) => messageIds(value).slice(0, 1));
  if (!report && ids.length === 0) return null;
  const field = (name: string) => headerFields(body, name)[0];
  const action = field('action')?.toLowerCase();
  const failed = report ? action === 'failed' : true;
  const diagnostic = field('diagnostic-code')?.replace(/^[a-z-]+;\s*/i, '');
  const recipient = field('final-recipient')?.replace(/^[a-z0-9-]+;\s*/i, '');
  const status = field('status');
  const said = diagnostic ?? (status ? `status ${status}` : mail.subject?.trim() || 'the message was returned');
  const reason = `Bounced${recipient ? ` by ${recipient}` : ''}: ${said}`.slice(0, 1000);
  return { failed, reason, messageIds: [...new Set(ids)], report };
}

function hashedMessageId(raw: Buffer): string {
  return `<${createHash('sha256').update(raw).digest('hex')}@no-message-id.hummdesk>`;
}

function firstAddress(from: AddressObject | undefined): EmailDetails['from'] {
  const first = flatten(from ? [from] : [])[0];
  return first ? { address: first.address, name: first.name } : null;
}

function addresses(objects: AddressObject | AddressObject[] | undefined): string[] {
  return flatten(objects === undefined ? [] : Array.isArray(objects) ? objects : [objects]).map((entry) => entry.address);
}

function flatten(objects: AddressObject[]): { address: string; name: string | null }[] {
  const entries = objects.flatMap((object) => object.value.flatMap((entry) => (entry.group ? entry.group : [entry])));
  return entries
    .filter((entry) => entry.address?.includes('@'))
    .map((entry) => ({ address: entry.address!.trim().toLowerCase().slice(0, 320), name: shownHeader(entry.name) }));
}

/** The raw values of a header (unfolded), topmost first. */
function headerValues(lines: HeaderLines, key: string): string[] {
  return lines
    .filter((line) => line.key === key)
    .map((line) =>
      line.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
}

function headerAddresses(lines: HeaderLines, key: string): string[] {
  return headerValues(lines, key)
    .flatMap((value) => addressparser(value, { flatten: true }))
    .map((entry) => entry.address.trim().toLowerCase())
    .filter((address) => address.includes('@'));
}

/** A header's text for display: one line, bounded; empty is none. */
function shownHeader(value: string | undefined): string | null {
  return headerText(value).slice(0, HEADER_MAX_CHARS).trimEnd() || null;
}

/** Lines as `\n`, no NUL (Postgres text cannot hold one), no trailing blank lines. */
function normaliseText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replaceAll('\u0000', '').trimEnd();
}

function capped(text: string): string | null {
  if (text === '') return null;
  return text.length > FULL_TEXT_MAX_CHARS ? `${text.slice(0, FULL_TEXT_MAX_CHARS)}\n[…the rest of this e-mail's text was left out]` : text;
}
