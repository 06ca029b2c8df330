/**
 * Postmark's inbound webhook format (JSON: the mail parsed into fields) turned back into a MIME
 * message, so that mail posted this way takes the one path every mail takes (inboundMail.accept,
 * then the same parsing, threading and sanitising as mail over SMTP or IMAP).
 *
 * What the JSON cannot say is not made up: the original's Message-ID, In-Reply-To, References,
 * Auto-Submitted, Authentication-Results... come from its `Headers`; the fields HummDesk builds
 * the message from (addresses, subject, date, bodies, attachments) from the top-level fields.
 * Every value taken from the JSON into a header is kept to one line (headerText): none can add
 * a header of its own. When Postmark was told to include the raw message (`RawEmail`), that is
 * the mail as it was and is taken as it is.
 */
import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import Type, { type Static } from 'typebox';
import { BadRequestError } from '../../platform/errors.js';
import { headerText, isMessageId } from './mail-headers.js';

/** Most headers and attachments one posted mail may carry: far beyond real mail, well short of what costs. */
export const MAX_HEADERS = 1000;
export const MAX_ATTACHMENTS = 1000;

// Postmark leaves absent values as "" or [], but a null is read as absent too rather than losing the mail to a 400.
const Text = (description?: string) => Type.Optional(Type.Union([Type.String(description ? { description } : {}), Type.Null()]));

const Recipient = Type.Object({ Email: Type.String(), Name: Text(), MailboxHash: Text() });
const Recipients = Type.Optional(Type.Union([Type.Array(Recipient, { maxItems: 1000 }), Type.Null()]));

export const PostmarkInbound = Type.Object(
  {
    From: Type.String({ description: 'The sender, e.g. `"Vera" <vera@example.com>`' }),
    FromName: Text(),
    FromFull: Type.Optional(Type.Union([Recipient, Type.Null()])),
    To: Text(),
    ToFull: Recipients,
    Cc: Text(),
    CcFull: Recipients,
    ReplyTo: Text(),
    OriginalRecipient: Text('The envelope recipient (kept as Delivered-To, so a plus-address threads the reply)'),
    Subject: Text(),
    MessageID: Text("Postmark's id of the mail; the mail's own Message-ID is among Headers"),
    Date: Text(),
    TextBody: Text(),
    HtmlBody: Text(),
    Headers: Type.Optional(Type.Union([Type.Array(Type.Object({ Name: Type.String(), Value: Type.String() }), { maxItems: MAX_HEADERS }), Type.Null()])),
    Attachments: Type.Optional(
      Type.Union([
        Type.Array(
          Type.Object({
            Name: Text(),
            Content: Type.String({ description: 'The file, base64' }),
            ContentType: Text(),
            ContentID: Text('Set for an inline image the HTML names as cid:'),
          }),
          { maxItems: MAX_ATTACHMENTS },
        ),
        Type.Null(),
      ]),
    ),
    RawEmail: Text('The whole message as it arrived, when the server includes it: taken instead of the fields'),
  },
  {
    title: 'PostmarkInbound',
    description: "Postmark's inbound webhook JSON (https://postmarkapp.com/developer/webhooks/inbound-webhook); other fields are ignored",
  },
);

export type PostmarkInbound = Static<typeof PostmarkInbound>;
type Address = { name: string; address: string };

/**
 * Headers the top-level fields or the MIME structure set: one from `Headers` would either
 * contradict them or, for Content-Type, describe a structure the new message does not have.
 */
const BUILT_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
]);
/** A field name as RFC 5322 has it: printable US-ASCII without the colon. */
const HEADER_NAME = /^[!-9;-~]{1,100}$/;
const MIME_TYPE = /^[a-z0-9][\w!#$&^.+-]*\/[\w!#$&^.+-]+$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function address(recipient: { Email: string; Name?: string | null | undefined }): Address {
  return { name: headerText(recipient.Name), address: headerText(recipient.Email) };
}

/** The addresses of a field: its parsed `*Full` list when Postmark gave one, else its text. */
function addresses(full: Array<{ Email: string; Name?: string | null | undefined }> | null | undefined, text: string | null | undefined): Address[] | string {
  if (full && full.length > 0) return full.map(address);
  return headerText(text);
}

/** The sender's address: the envelope-like identity the per-sender limit counts. */
export function postmarkSender(mail: PostmarkInbound): string | null {
  const given = mail.FromFull?.Email ?? addressparser(mail.From, { flatten: true })[0]?.address;
  const sender = headerText(given).toLowerCase();
  return sender === '' ? null : sender;
}

function decodeAttachment(content: string, index: number): Buffer {
  const base64 = content.replace(/\s+/g, '');
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) {
    throw new BadRequestError('invalid_attachment', `Attachments[${index}].Content is not base64`);
  }
  return Buffer.from(base64, 'base64');
}

/** The message Postmark parsed, as MIME (CRLF line ends); the same JSON always makes the same bytes. */
export async function postmarkToMime(mail: PostmarkInbound): Promise<Buffer> {
  if (mail.RawEmail) return Buffer.from(mail.RawEmail, 'utf8');

  const headers: Array<{ key: string; value: string }> = [];
  let messageId: string | undefined;
  let deliveredTo = false;
  for (const { Name, Value } of mail.Headers ?? []) {
    const name = Name.trim();
    const key = name.toLowerCase();
    if (!HEADER_NAME.test(name)) continue;
    if (key === 'message-id') {
      const id = headerText(Value);
      if (isMessageId(id)) messageId = id;
    } else if (!BUILT_HEADERS.has(key)) {
      deliveredTo ||= key === 'delivered-to';
      headers.push({ key: name, value: headerText(Value) });
    }
  }
  // The envelope recipient: the address the mail reached the inbox by, a plus-address among them.
  if (!deliveredTo && headerText(mail.OriginalRecipient)) headers.push({ key: 'Delivered-To', value: headerText(mail.OriginalRecipient) });

  const attachments = (mail.Attachments ?? []).map((attachment, index) => {
    const type = headerText(attachment.ContentType).split(';')[0]!.trim();
    const cid = headerText(attachment.ContentID).replace(/^<|>$/g, '');
    return {
      filename: headerText(attachment.Name) || `attachment-${index + 1}`,
      content: decodeAttachment(attachment.Content, index),
      contentType: MIME_TYPE.test(type) ? type.toLowerCase() : 'application/octet-stream',
      ...(cid ? { cid } : {}),
    };
  });

  // Derived from the whole JSON: a retried post makes the same bytes (one job), and no text in
  // the mail can contain a boundary that depends on that text.
  const digest = createHash('sha256').update(JSON.stringify(mail)).digest('hex');
  const from = mail.FromFull?.Email ? address(mail.FromFull) : headerText(mail.From);
  const composer = new MailComposer({
    from,
    to: addresses(mail.ToFull, mail.To),
    cc: addresses(mail.CcFull, mail.Cc),
    ...(headerText(mail.ReplyTo) ? { replyTo: headerText(mail.ReplyTo) } : {}),
    subject: headerText(mail.Subject),
    // Without the mail's own id, Postmark's: the same mail posted again is still the same message.
    messageId: messageId ?? `<${headerText(mail.MessageID) || digest}@inbound.postmarkapp.com>`,
    ...(headerText(mail.Date) ? { date: headerText(mail.Date) } : {}),
    ...(mail.TextBody ? { text: mail.TextBody } : {}),
    ...(mail.HtmlBody ? { html: mail.HtmlBody } : {}),
    headers,
    attachments,
    baseBoundary: digest.slice(0, 32),
    newline: 'win',
    // Every part is given as content: nothing the JSON says may make the server read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
