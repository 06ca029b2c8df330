/**
 * Postmark's inbound JSON → MIME, read back with mailparser (what ingesting does): the fields
 * survive, the original's threading and automation headers come along, and nothing in the JSON
 * can add a header, split the structure or make the server read a file.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { postmarkSender, postmarkToMime, type PostmarkInbound } from './postmark.js';

const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const inbound = (extra: Partial<PostmarkInbound> = {}): PostmarkInbound => ({
  From: '"Vera Visitor" <vera@example.com>',
  FromName: 'Vera Visitor',
  FromFull: { Email: 'Vera@Example.com', Name: 'Vera Visitor', MailboxHash: '' },
  To: 'support+c42-abc@acme.test',
  ToFull: [{ Email: 'support+c42-abc@acme.test', Name: 'Acme Support', MailboxHash: 'c42-abc' }],
  Cc: '',
  CcFull: [{ Email: 'boss@example.com', Name: 'Böss Ümlaut' }],
  OriginalRecipient: 'support+c42-abc@acme.test',
  Subject: 'Re: Where is my order? ✈',
  MessageID: '22c74902-a0c1-4511-804f-341342852c90',
  Date: 'Thu, 5 Apr 2012 16:59:01 +0200',
  TextBody: 'It has not arrived.\n\nOn Monday, Acme wrote:\n> We sent it.',
  HtmlBody: '<p>It has not arrived. <img src="cid:pixel@vera"></p>',
  Headers: [
    { Name: 'Message-ID', Value: '<CAF=original@mail.example.com>' },
    { Name: 'In-Reply-To', Value: '<reply-1@acme.test>' },
    { Name: 'References', Value: '<first@acme.test> <reply-1@acme.test>' },
    { Name: 'Auto-Submitted', Value: 'auto-replied' },
    { Name: 'Authentication-Results', Value: 'mx.postmarkapp.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com' },
    { Name: 'X-Spam-Status', Value: 'No' },
  ],
  Attachments: [
    { Name: 'invoice.pdf', Content: Buffer.from('%PDF-1.4 the invoice').toString('base64'), ContentType: 'application/pdf', ContentID: '' },
    { Name: 'pixel.png', Content: PIXEL.toString('base64'), ContentType: 'image/png', ContentID: 'pixel@vera' },
  ],
  ...extra,
});

const parse = async (mail: PostmarkInbound) => simpleParser(await postmarkToMime(mail));
const addressesOf = (field: AddressObject | AddressObject[] | undefined) => [field ?? []].flat().flatMap((object) => object.value);

describe('Postmark inbound JSON as MIME', () => {
  it('keeps the addresses, subject, date, bodies and attachments (inline image with its Content-ID)', async () => {
    const parsed = await parse(inbound());
    expect(parsed.from?.value).toEqual([{ name: 'Vera Visitor', address: 'Vera@example.com' }]);
    expect(addressesOf(parsed.to)).toEqual([{ name: 'Acme Support', address: 'support+c42-abc@acme.test' }]);
    expect(addressesOf(parsed.cc)).toEqual([{ name: 'Böss Ümlaut', address: 'boss@example.com' }]);
    expect(parsed.subject).toBe('Re: Where is my order? ✈');
    expect(parsed.date?.toISOString()).toBe('2012-04-05T14:59:01.000Z');
    expect(parsed.text?.trim()).toBe('It has not arrived.\n\nOn Monday, Acme wrote:\n> We sent it.');
    expect(parsed.html).toContain('It has not arrived.');
    const files = parsed.attachments.map((file) => ({ name: file.filename, type: file.contentType, cid: file.contentId, content: file.content }));
    expect(files).toEqual(
      expect.arrayContaining([
        { name: 'invoice.pdf', type: 'application/pdf', cid: undefined, content: Buffer.from('%PDF-1.4 the invoice') },
        { name: 'pixel.png', type: 'image/png', cid: '<pixel@vera>', content: PIXEL },
      ]),
    );
  });

  it("carries the original's Message-ID, threading, automation and authentication headers, and the envelope recipient as Delivered-To", async () => {
    const parsed = await parse(inbound());
    expect(parsed.messageId).toBe('<CAF=original@mail.example.com>');
    expect(parsed.inReplyTo).toBe('<reply-1@acme.test>');
    expect(parsed.references).toEqual(['<first@acme.test>', '<reply-1@acme.test>']);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('authentication-results')).toContain('dkim=pass');
    expect(parsed.headers.get('delivered-to')).toEqual({
      value: [{ address: 'support+c42-abc@acme.test', name: '' }],
      html: expect.any(String),
      text: 'support+c42-abc@acme.test',
    });
  });

  it("names the mail by Postmark's id when it had no Message-ID (a retried post is the same message), and makes the same bytes from the same JSON", async () => {
    const withoutId = inbound({ Headers: [] });
    expect((await parse(withoutId)).messageId).toBe('<22c74902-a0c1-4511-804f-341342852c90@inbound.postmarkapp.com>');
    expect((await postmarkToMime(withoutId)).equals(await postmarkToMime(structuredClone(withoutId)))).toBe(true);
    // Nor any id at all: still one stable id, from the content.
    const anonymous = inbound({ Headers: [], MessageID: null });
    const first = await parse(anonymous);
    expect(first.messageId).toMatch(/^<[0-9a-f]{64}@inbound\.postmarkapp\.com>$/);
    expect((await parse(anonymous)).messageId).toBe(first.messageId);
  });

  it('lets no field add a header: line breaks in subject, names, header values and content types, bad header names, and structural headers are neutralised', async () => {
    const raw = (
      await postmarkToMime(
        inbound({
          Subject: 'Hello\r\nBcc: victim@example.com',
          FromFull: { Email: 'vera@example.com', Name: 'Vera\r\nX-Injected: from-name' },
          Headers: [
            { Name: 'X-Note', Value: 'fine\r\nX-Injected: from-value' },
            { Name: 'X-Bad Name', Value: 'dropped' },
            { Name: 'X-Colon:', Value: 'dropped' },
            { Name: 'Content-Type', Value: 'multipart/mixed; boundary="evil"' },
            { Name: 'Subject', Value: 'a second subject' },
            { Name: 'Message-ID', Value: '<two ids@x> <y@x>' },
          ],
          Attachments: [{ Name: 'a\r\nX-Injected: file.txt', Content: 'aGk=', ContentType: 'text/plain\r\nX-Injected: type', ContentID: null }],
        }),
      )
    ).toString();
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(raw).not.toMatch(/^X-Injected/m);
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(head).not.toMatch(/^X-Bad|^X-Colon|evil|a second subject/im);
    expect(head.match(/^Subject:/gim)).toHaveLength(1);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('Hello Bcc: victim@example.com');
    expect(parsed.headers.get('x-note')).toBe('fine X-Injected: from-value');
    // An unusable Message-ID is replaced by Postmark's id, not passed on.
    expect(parsed.messageId).toBe('<22c74902-a0c1-4511-804f-341342852c90@inbound.postmarkapp.com>');
    expect(parsed.attachments.map((file) => file.filename)).toEqual(['a X-Injected: file.txt']);
    expect(raw).toContain('Content-Type: application/octet-stream; name="a X-Injected: file.txt"');
  });

  it('keeps a body that imitates a MIME boundary inside its own part', async () => {
    const text = '----_NmP-0000-Part_1\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n----_NmP-0000-Part_1--';
    const parsed = await parse(inbound({ TextBody: text, HtmlBody: null, Attachments: [] }));
    expect(parsed.text?.trim()).toBe(text.replace(/\r\n/g, '\n'));
    expect(parsed.html).toBe(false);
    expect(parsed.attachments).toEqual([]);
  });

  it('refuses an attachment that is not base64 (400 invalid_attachment), and takes RawEmail as it is', async () => {
    const error = await postmarkToMime(inbound({ Attachments: [{ Name: 'x.bin', Content: 'not base64!', ContentType: 'application/octet-stream' }] })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_attachment', message: 'Attachments[0].Content is not base64' });
    const rawEmail = 'From: a@example.com\r\nTo: support@acme.test\r\nSubject: raw\r\nMessage-ID: <raw@example.com>\r\n\r\nAs it was.\r\n';
    expect((await postmarkToMime(inbound({ RawEmail: rawEmail }))).toString()).toBe(rawEmail);
  });

  it('takes the sender from FromFull, else from the From text, in lower case; none when there is no address', () => {
    expect(postmarkSender(inbound())).toBe('vera@example.com');
    expect(postmarkSender(inbound({ FromFull: null, From: 'Vera <VERA@example.org>' }))).toBe('vera@example.org');
    expect(postmarkSender(inbound({ FromFull: null, From: '' }))).toBeNull();
  });
});
