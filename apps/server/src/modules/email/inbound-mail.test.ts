/**
 * Mail in, through the real app (the inbound webhook in, the ingest job in a parsing thread, the
 * one message path, a real SMTP relay for our replies): what a customer's mail becomes (reply text,
 * full text, sanitised HTML, attachments and inline images, triage queued; the HTML and full text
 * served apart from messages, their events and webhooks), how replies find their
 * conversation (Message-ID, plus-address) and how forged ones do not, duplicates, auto-replies,
 * bounces, malformed and oversized mail, a mail of 500 attachments, and other accounts seeing none of it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { messages } from '../../db/schema.js';
import type { QueueEvent } from '../../platform/queue/jobs.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, listen, registerAccount, TEST_CREDENTIALS_KEY, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound, expectError, listAll } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { filesUnder } from '../../test-support/files.js';
import { startSmtpSink, type SmtpSink } from '../../test-support/mail.js';
import { connected, connectSocket, nextEvent } from '../../test-support/sockets.js';
import { startReceiver } from '../../test-support/webhook-receiver.js';
import { subscribe } from '../../test-support/webhooks.js';
import { createThreadTokens } from './thread-token.js';

const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const MB = 1_048_576;
const threadTokens = createThreadTokens(TEST_CREDENTIALS_KEY);

interface EmailInbox {
  id: number;
  identifier: string;
  accountId: number;
  secret: string;
  address: string;
}

const compose = (options: Mail.Options): Promise<Buffer> => new MailComposer(options).compile().build();

describe.each(await databaseKinds())('inbound e-mail on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let other: Session;
  let inbox: EmailInbox;
  let foreign: EmailInbox;
  let relay: SmtpSink;
  const events: QueueEvent[] = [];
  let client = 0;

  async function createEmailInbox(session: Session, name: string): Promise<EmailInbox> {
    const address = `${name.toLowerCase()}.${kind}@${name.toLowerCase()}.example`;
    const created = await call(t.app, session, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name, channelType: 'email', settings: { address, smtp: relay.settings } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, identifier, settings } = created.body.inbox;
    return { id, identifier, accountId: session.accountId, secret: settings.inboundSecret, address };
  }

  /** Posts raw mail to the inbox's inbound webhook (each post from a client address of its own). */
  const post = (target: EmailInbox, payload: Buffer | Readable) =>
    call(t.app, undefined, {
      method: 'POST',
      url: `/api/public/inboxes/${target.identifier}/email`,
      remoteAddress: `10.15.${Math.floor(++client / 250)}.${client % 250}`,
      payload,
      headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${target.secret}` },
    });

  /** The finished ingest job of these bytes (the job key is their digest): its result, or the failure. */
  async function ingest(target: EmailInbox, raw: Buffer) {
    const answer = await post(target, raw);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const key = `${target.accountId}-${target.id}-${createHash('sha256').update(raw).digest('hex')}`;
    const done = await eventuallyFound(
      `the ingest job ${key}`,
      events,
      (event) => event.key === key && (event.type === 'completed' || event.type === 'failed'),
    );
    if (done.type !== 'completed') throw new Error(`ingest failed: ${JSON.stringify(done)}`);
    return done.result as { conversationId?: number; messageId?: number; threadedBy?: string | null; duplicateOf?: number; bounce?: boolean };
  }

  /** The conversation's messages, without the activity lines triage adds as it runs. */
  const messagesOf = async (session: Session, conversationId: number) => {
    const answer = await call(t.app, session, { method: 'GET', url: `/api/conversations/${conversationId}/messages` });
    expect(answer.status).toBe(200);
    return (answer.body.data as any[]).filter((message) => message.messageType !== 'activity');
  };

  /** What the message list leaves out of an e-mail message: its HTML and whole text. */
  const emailBodyOf = async (session: Session, message: { id: number; conversationId: number }) => {
    const answer = await call(t.app, session, { method: 'GET', url: `/api/conversations/${message.conversationId}/messages/${message.id}/email` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as { html: string | null; fullText: string | null };
  };

  const conversationCount = async (session: Session) => (await listAll(t.app, session, '/api/conversations')).length;

  const sourceIdOf = (accountId: number, messageId: number) =>
    withTenant(t.database.db, { accountId }, async (tx) => {
      const [row] = await tx
        .select({ sourceId: messages.sourceId })
        .from(messages)
        .where(and(eq(messages.accountId, accountId), eq(messages.id, messageId)));
      return row!.sourceId!;
    });

  /** An agent's reply in the conversation, once the relay took it: its Message-ID. */
  async function agentReply(conversationId: number, content: string): Promise<{ id: number; sourceId: string }> {
    const sent = await call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await eventually('the reply sent', async () =>
      (await messagesOf(admin, conversationId)).find((m) => m.id === sent.body.message.id && m.deliveryStatus === 'sent') ? true : undefined,
    );
    return { id: sent.body.message.id, sourceId: await sourceIdOf(admin.accountId, sent.body.message.id) };
  }

  beforeAll(async () => {
    relay = await startSmtpSink();
    t = await createTestApp(
      kind,
      { EMAIL_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', PUBLIC_API_RATE_LIMIT: '1000' },
      { runWorkers: true },
    );
    t.queue.onEvent((event) => events.push(event));
    admin = await registerAccount(t.app, 'Inbound Inc');
    other = await registerAccount(t.app, 'Other Ltd');
    inbox = await createEmailInbox(admin, 'Support');
    foreign = await createEmailInbox(other, 'Theirs');
  });
  afterAll(async () => {
    await t?.close();
    await relay?.close();
  });

  it('reads a customer’s mail into a conversation: reply text, full text, safe HTML, attachments and inline image, triage queued', async () => {
    const raw = await compose({
      from: 'Carla Customer <Carla@Example.org>',
      to: inbox.address,
      subject: 'My order is late',
      messageId: `<${randomUUID()}@example.org>`,
      text: 'Hello, order 1234 has not arrived.\n\n-- \nCarla\nSent from my phone\n\nOn Mon, 7 Dec 2026 at 09:00, Shop <shop@example.com> wrote:\n> Your order is on its way.\n',
      html:
        '<p onclick="steal()">Hello, order <b>1234</b> has not arrived.</p><script>alert(1)</script>' +
        '<img src="https://tracker.example/open.gif?u=carla" width="1" height="1"><img src="x" onerror="alert(2)">' +
        '<img src="cid:receipt@carla" alt="receipt"><a href="javascript:alert(3)">click</a><a href="https://shop.example/orders/1234">order</a>' +
        '<p style="color: red; background-image: url(https://tracker.example/bg.png)">red</p><iframe src="https://evil.example"></iframe>' +
        '<form action="https://evil.example"><input name="password"></form><style>body{background:url(https://tracker.example/css.png)}</style>',
      attachments: [
        { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 invoice 1234'), contentType: 'application/pdf' },
        { filename: 'receipt.png', content: PIXEL, cid: 'receipt@carla' },
      ],
    });
    const result = await ingest(inbox, raw);
    expect(result).toMatchObject({ conversationId: expect.any(Number), threadedBy: null, attachments: 2 });

    const [message] = await messagesOf(admin, result.conversationId!);
    expect(message).toMatchObject({
      messageType: 'incoming',
      content: 'Hello, order 1234 has not arrived.',
      sender: { type: 'contact', name: 'Carla Customer' },
      email: {
        subject: 'My order is late',
        from: { address: 'carla@example.org', name: 'Carla Customer' },
        to: [inbox.address],
        automated: false,
        authentication: null,
        hasHtml: true,
        hasMoreText: true,
      },
    });
    const { fullText, html } = await emailBodyOf(admin, message);
    expect(fullText).toContain('Your order is on its way.');
    expect(fullText).toContain('Sent from my phone');
    expect(html).toContain('<b>1234</b>');
    expect(html).toContain('href="https://shop.example/orders/1234"');
    expect(html).toContain('style="color:red"');
    for (const gone of ['script', 'onclick', 'onerror', 'tracker.example', 'javascript:', 'iframe', '<form', '<input', 'evil.example', 'cid:']) {
      expect(html).not.toContain(gone);
    }
    // The inline image points at the message's attachment of that place.
    const place = Number(/<img[^>]*data-attachment="(\d+)"/.exec(html ?? '')?.[1]);
    expect(message.attachments[place]).toMatchObject({ fileName: 'receipt.png', contentType: 'image/png' });
    expect(message.attachments.map((file: { fileName: string }) => file.fileName).sort()).toEqual(['invoice.pdf', 'receipt.png']);
    const image = await fetchAttachment(message.attachments[place].url);
    expect(image.equals(PIXEL)).toBe(true);

    // The contact by address; triage has the message (the one path: classified, drafted, routed).
    const conversation = (await call(t.app, admin, { method: 'GET', url: `/api/conversations/${result.conversationId}` })).body.conversation;
    expect(conversation.contact).toMatchObject({ email: 'carla@example.org', name: 'Carla Customer' });
    const jobs = await withTenant(t.database.db, { accountId: admin.accountId }, (tx) =>
      queryRows<{ queue: string }>(tx, sql`select queue from jobs where queue = 'ai-classification' and key = ${`msg-${message.id}`}`),
    );
    expect(jobs).toHaveLength(1);
    // The raw mail is gone once read.
    expect(await filesUnder(join(t.dataDir, 'attachments', String(admin.accountId), 'inbound-mail'))).toEqual([]);
  });

  async function fetchAttachment(url: string): Promise<Buffer> {
    const answer = await t.app.inject({ method: 'GET', url });
    expect(answer.statusCode).toBe(200);
    return answer.rawPayload;
  }

  it("keeps a mail's HTML and whole text out of messages, their socket events and webhooks, and serves them to the account's agents", async () => {
    const receiver = await startReceiver();
    const socket = connectSocket(await listen(t.app), admin.token);
    try {
      await connected(socket);
      await subscribe(t.app, admin, receiver, '/messages', ['message.created']);
      const announced = nextEvent(socket, 'message:new', undefined, (event: any) => event.data.message.email?.subject === 'Our records');
      // Half a megabyte of quoted history, in both parts.
      const history = 'Every order of the year, line by line. '.repeat(14_000);
      const raw = await compose({
        from: 'Dora <dora@example.org>',
        to: inbox.address,
        subject: 'Our records',
        text: `Please see below.\n\nOn Monday, Shop <shop@example.com> wrote:\n> ${history}\n`,
        html: `<p>Please see below.</p><blockquote>${history}</blockquote>`,
      });
      const { conversationId } = await ingest(inbox, raw);

      const [listed] = await messagesOf(admin, conversationId!);
      const heard = (await announced).data.message;
      const hooked = await eventually('the message.created webhook', async () =>
        receiver.at('/messages').find((request) => request.payload?.data?.message?.email?.subject === 'Our records'),
      );
      for (const message of [listed, heard, hooked.payload.data.message]) {
        expect(message).toMatchObject({ content: 'Please see below.', email: { hasHtml: true, hasMoreText: true } });
        expect(message.email).not.toHaveProperty('html');
        expect(message.email).not.toHaveProperty('fullText');
        expect(JSON.stringify(message).length).toBeLessThan(5_000);
      }

      const body = await emailBodyOf(admin, listed);
      expect(body.html).toContain(`<blockquote>${history.trim()}`);
      expect(body.fullText).toContain(history.trim());
      // Another account's agents, and a message that is no e-mail (a private note), find none.
      const url = `/api/conversations/${conversationId}/messages/${listed.id}/email`;
      expectError(await call(t.app, other, { method: 'GET', url }), 404, 'not_found');
      const note = await call(t.app, admin, {
        method: 'POST',
        url: `/api/conversations/${conversationId}/messages`,
        payload: { content: 'Asked finance', private: true },
      });
      expect(note.status).toBe(201);
      expect(note.body.message.email).toBeNull();
      expectError(
        await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/messages/${note.body.message.id}/email` }),
        404,
        'not_found',
      );
      expectError(await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/messages/0/email` }), 400, 'validation_error');
    } finally {
      socket.disconnect();
      await receiver.close();
    }
  });

  it('threads a reply by In-Reply-To to our reply, by References to the customer’s mail, and by the plus-address alone', async () => {
    const first = await ingest(inbox, await compose({ from: 'dan@example.org', to: inbox.address, subject: 'Refund', text: 'I want a refund.' }));
    const ours = await agentReply(first.conversationId!, 'Sure, which order?');
    // Their client answers our reply, quoting it.
    const answer = await ingest(
      inbox,
      await compose({
        from: 'dan@example.org',
        to: inbox.address,
        subject: 'Re: Refund',
        inReplyTo: ours.sourceId,
        references: [ours.sourceId],
        text: 'Order 77.\n\nOn Mon, 7 Dec 2026, Support wrote:\n> Sure, which order?',
      }),
    );
    expect(answer).toMatchObject({ conversationId: first.conversationId, threadedBy: 'message-id' });
    expect((await messagesOf(admin, first.conversationId!)).map((m) => m.content)).toEqual(['I want a refund.', 'Sure, which order?', 'Order 77.']);

    // A client that keeps only References (to the customer's own first mail).
    const firstId = await sourceIdOf(admin.accountId, (await messagesOf(admin, first.conversationId!))[0].id);
    const referencing = await ingest(inbox, await compose({ from: 'dan@example.org', to: inbox.address, references: [firstId], text: 'Any news?' }));
    expect(referencing).toMatchObject({ conversationId: first.conversationId, threadedBy: 'message-id' });

    // No references at all, only our Reply-To plus-address.
    const plus = threadTokens.address(inbox.address, first.conversationId!);
    const byAddress = await ingest(inbox, await compose({ from: 'dan@example.org', to: plus, subject: 'again', text: 'Hello?' }));
    expect(byAddress).toMatchObject({ conversationId: first.conversationId, threadedBy: 'plus-address' });
    // A tag made up for another conversation number does not verify: a new conversation.
    const forged = plus.replace(`+c${first.conversationId}-`, `+c${first.conversationId! + 1}-`);
    expect((await ingest(inbox, await compose({ from: 'dan@example.org', to: forged, text: 'Forged tag' }))).conversationId).not.toBe(first.conversationId);
  });

  it('never threads into another account: a forged In-Reply-To naming their Message-ID opens a new conversation here', async () => {
    const theirs = await ingest(foreign, await compose({ from: 'victim@example.org', to: foreign.address, subject: 'Private', text: 'My secret order.' }));
    const theirMessageId = await sourceIdOf(other.accountId, theirs.messageId!);
    const before = await messagesOf(other, theirs.conversationId!);

    const forged = await ingest(
      inbox,
      await compose({ from: 'mallory@example.org', to: inbox.address, inReplyTo: theirMessageId, references: [theirMessageId], text: 'Let me in.' }),
    );
    expect(forged.threadedBy).toBeNull();
    expect(forged.conversationId).not.toBe(theirs.conversationId);
    const opened = (await call(t.app, admin, { method: 'GET', url: `/api/conversations/${forged.conversationId}` })).body.conversation;
    expect(opened).toMatchObject({ inboxId: inbox.id, contact: { email: 'mallory@example.org' } });
    expect(await messagesOf(other, theirs.conversationId!)).toEqual(before);
    // Neither account sees the other's conversation.
    expectError(await call(t.app, admin, { method: 'GET', url: `/api/conversations/${theirs.conversationId}` }), 404, 'not_found');
    expectError(await call(t.app, other, { method: 'GET', url: `/api/conversations/${forged.conversationId}` }), 404, 'not_found');
    expectError(await call(t.app, other, { method: 'GET', url: `/api/conversations/${forged.conversationId}/messages` }), 404, 'not_found');
    expect((await listAll(t.app, other, '/api/conversations')).map((c) => c.contact.email)).not.toContain('mallory@example.org');
  });

  it('keeps a message delivered twice once: the same bytes, and other bytes with the same Message-ID', async () => {
    const messageId = `<${randomUUID()}@example.org>`;
    const mail = { from: 'erin@example.org', to: inbox.address, subject: 'Twice', messageId, text: 'Only once, please.' };
    const raw = await compose(mail);
    const first = await ingest(inbox, raw);
    // The same bytes again (an SMTP client retrying after a lost answer): no second job, nothing kept.
    expect((await post(inbox, raw)).status).toBe(202);
    // Relayed once more with a header added on the way (other bytes, another job): the Message-ID decides.
    const relayed = Buffer.concat([Buffer.from('Received: from relay.example.org by mx.example; Mon, 7 Dec 2026 10:00:00 +0000\r\n'), raw]);
    expect(await ingest(inbox, relayed)).toEqual({ duplicateOf: first.messageId });
    expect((await messagesOf(admin, first.conversationId!)).map((m) => m.content)).toEqual(['Only once, please.']);
    expect(await filesUnder(join(t.dataDir, 'attachments', String(admin.accountId), 'inbound-mail'))).toEqual([]);
  });

  it('flags auto-replies and bulk mail, and a failing SPF/DKIM/DMARC verdict', async () => {
    const auto = await ingest(
      inbox,
      await compose({
        from: 'away@example.org',
        to: inbox.address,
        subject: 'Out of office',
        text: 'I am away.',
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
    );
    const bulk = await ingest(inbox, await compose({ from: 'news@example.org', to: inbox.address, text: 'Our news.', headers: { Precedence: 'bulk' } }));
    const human = await ingest(
      inbox,
      await compose({
        from: 'ceo@example.org',
        to: inbox.address,
        text: 'Wire the money.',
        headers: {
          'Auto-Submitted': 'no',
          'Authentication-Results': 'mx.example; spf=fail smtp.mailfrom=example.org; dkim=none; dmarc=fail header.from=example.org',
        },
      }),
    );
    for (const [result, automated] of [
      [auto, true],
      [bulk, true],
      [human, false],
    ] as const) {
      expect((await messagesOf(admin, result.conversationId!))[0].email.automated).toBe(automated);
    }
    expect((await messagesOf(admin, human.conversationId!))[0].email.authentication).toEqual({ spf: 'fail', dkim: 'none', dmarc: 'fail', failed: true });
  });

  it('takes a bounce of our reply as its failure, and opens no conversation for it', async () => {
    const first = await ingest(inbox, await compose({ from: 'gone@example.org', to: inbox.address, subject: 'Hi', text: 'Please answer.' }));
    const ours = await agentReply(first.conversationId!, 'Here is your answer.');
    const conversations = await conversationCount(admin);
    const dsn = Buffer.from(
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>',
        `To: ${inbox.address}`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <${randomUUID()}@mx.example.org>`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"',
        '',
        '--dsn-boundary',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'Your message could not be delivered to gone@example.org.',
        '',
        '--dsn-boundary',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.org',
        '',
        'Final-Recipient: rfc822; gone@example.org',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
        '',
        '--dsn-boundary',
        'Content-Type: text/rfc822-headers',
        '',
        `From: Support <${inbox.address}>`,
        'To: gone@example.org',
        'Subject: Re: Hi',
        `Message-ID: ${ours.sourceId}`,
        '',
        '--dsn-boundary--',
        '',
      ].join('\r\n'),
    );
    expect(await ingest(inbox, dsn)).toEqual({ bounce: true, failedReply: ours.sourceId });
    const reply = (await messagesOf(admin, first.conversationId!)).find((m) => m.id === ours.id);
    expect(reply).toMatchObject({ deliveryStatus: 'failed', deliveryError: expect.stringContaining('550 5.1.1') });
    expect(reply.deliveryError).toContain('gone@example.org');
    expect(await conversationCount(admin)).toBe(conversations);
  });

  it('reads malformed MIME as far as it goes, never failing the mail', async () => {
    const broken = Buffer.from(
      [
        'From: Broken Client <broken@example.org>',
        `To: ${inbox.address}`,
        'Subject: =?utf-8?B?not base64 at all!?=',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="never-closed"',
        '',
        '--never-closed',
        'Content-Type: text/plain; charset=no-such-charset',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'The printer =E2=9C=93 prints =ZZ nothing.',
        '--never-closed',
        'Content-Type: application/pdf; name="half.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        '%%% not base64 %%%',
      ].join('\r\n'),
    );
    const read = await ingest(inbox, broken);
    const [message] = await messagesOf(admin, read.conversationId!);
    expect(message.content).toContain('prints');
    expect(message.email.from).toEqual({ address: 'broken@example.org', name: 'Broken Client' });
    // Not even headers: bytes that are no e-mail at all still arrive, as text.
    const garbage = Buffer.concat([Buffer.from('\u0000\u0001 this is not an e-mail\r\n\u00ff\u00fe'), Buffer.alloc(64, 0xff)]);
    const junk = await ingest(inbox, garbage);
    expect((await messagesOf(admin, junk.conversationId!))[0].content).toContain('this is not an e-mail');
  });

  it('refuses a 30 MB message (413) and keeps nothing of it', async () => {
    const attachments = String(join(t.dataDir, 'attachments'));
    const before = await filesUnder(attachments);
    // Streamed without a length: the count while storing refuses it, not the declared size.
    const chunk = Buffer.alloc(MB, 'a');
    const body = Readable.from(
      (function* () {
        yield Buffer.from(`From: big@example.org\r\nTo: ${inbox.address}\r\nSubject: huge\r\n\r\n`);
        for (let i = 0; i < 30; i++) yield chunk;
      })(),
    );
    expectError(await post(inbox, body), 413, 'email_too_large');
    expect(await filesUnder(attachments)).toEqual(before);
  });

  it('keeps the first attachments of a mail of 500 and counts the rest as dropped', async () => {
    const raw = await compose({
      from: 'many@example.org',
      to: inbox.address,
      subject: 'Scans',
      text: 'All my scans.',
      attachments: Array.from({ length: 500 }, (_, i) => ({ filename: `scan-${i}.txt`, content: `scan ${i}\n` })),
    });
    const result = await ingest(inbox, raw);
    const [message] = await messagesOf(admin, result.conversationId!);
    expect(message.attachments).toHaveLength(10);
    expect(message.attachments.map((file: { fileName: string }) => file.fileName)).toEqual(Array.from({ length: 10 }, (_, i) => `scan-${i}.txt`));
    expect(message.email).toMatchObject({ attachmentsDropped: 490, hasHtml: false, hasMoreText: false });
  });
});
