/**
 * The inbound webhook through the real app, as a mail provider and as an attacker use it: raw
 * MIME and Postmark JSON become conversations (the ingest job runs); missing, wrong and borrowed
 * secrets, unknown and non-e-mail inboxes, oversized, empty, malformed and mistyped bodies, a
 * flooding client, a flooding sender and a cut-off upload are refused with their 4xx and leave
 * nothing behind. Each test comes from its own client address and writes as its own senders, so
 * the small limits set here meet only where meant to.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueEvent } from '../../platform/queue/jobs.js';
import { call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound, expectError, listAll } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { filesUnder } from '../../test-support/files.js';
import { postmarkToMime, type PostmarkInbound } from './postmark.js';

const SENDER_LIMIT = 3;
const CLIENT_LIMIT = 30;
const MB = 1_048_576;
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface EmailInbox {
  id: number;
  identifier: string;
  accountId: number;
  secret: string;
  address: string;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const bearer = (secret: string) => `Bearer ${secret}`;

function rawMail({
  from,
  to,
  subject = 'Where is my order?',
  messageId = `${randomUUID()}@example.com`,
  text = 'My order has not arrived.',
  headers = [] as string[],
}: {
  from: string;
  to: string;
  subject?: string;
  messageId?: string;
  text?: string;
  headers?: string[];
}): Buffer {
  return Buffer.from(
    [
      `From: Customer <${from}>`,
      `To: ${to}`,
      `Subject: ${subject}`,
      `Message-ID: <${messageId}>`,
      'Date: Mon, 7 Dec 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      ...headers,
      '',
      text,
      '',
    ].join('\r\n'),
  );
}

describe.each(await databaseKinds())('inbound e-mail webhook on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let other: Session;
  let quiet: Session;
  let inbox: EmailInbox;
  let foreign: EmailInbox;
  /** An inbox only the size and secret tests write to: what it stores is theirs to count. */
  let quietInbox: EmailInbox;
  let widget: { id: number; identifier: string; secret: string };
  const events: QueueEvent[] = [];
  let address = 0;

  const url = (identifier: string) => `/api/public/inboxes/${identifier}/email`;

  /** A client of its own address: posts to the webhook. */
  function client() {
    const remoteAddress = `10.14.${Math.floor(++address / 250)}.${address % 250}`;
    return (identifier: string, payload: InjectOptions['payload'] | undefined, headers: Record<string, string>) =>
      call(t.app, undefined, { method: 'POST', url: url(identifier), remoteAddress, ...(payload === undefined ? {} : { payload }), headers });
  }

  const raw = (target: EmailInbox, authorization: string) => ({ 'content-type': 'message/rfc822', authorization });
  const json = (target: EmailInbox, authorization = bearer(target.secret)) => ({ 'content-type': 'application/json', authorization });

  async function createEmailInbox(session: Session, name: string): Promise<EmailInbox> {
    const mailbox = `${name.toLowerCase().replace(/\W/g, '')}.${kind}@${name.toLowerCase().replace(/\W/g, '')}.example`;
    const created = await call(t.app, session, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name, channelType: 'email', settings: { address: mailbox, smtp: { host: 'smtp.example.com', port: 587, secure: false } } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, identifier, settings } = created.body.inbox;
    return { id, identifier, accountId: session.accountId, secret: settings.inboundSecret, address: mailbox };
  }

  /** The conversation the customer's mail opened in the inbox, once the ingest job has run. */
  const conversationOf = (session: Session, target: EmailInbox, customer: string) =>
    eventually(`a conversation from ${customer}`, async () =>
      (await listAll(t.app, session, `/api/conversations?inboxId=${target.id}`)).find((conversation) => conversation.contact.email === customer),
    );

  /** The customer's messages of a conversation (routing and the AI may add others of their own). */
  const messagesOf = async (session: Session, conversationId: number) =>
    ((await call(t.app, session, { method: 'GET', url: `/api/conversations/${conversationId}/messages` })).body.data as any[]).filter(
      (message) => message.messageType === 'incoming',
    );

  /** The end of the ingest job of these bytes (the job key is the bytes' digest). */
  const ingested = (target: EmailInbox, bytes: Buffer) => {
    const key = `${target.accountId}-${target.id}-${createHash('sha256').update(bytes).digest('hex')}`;
    return eventuallyFound(`the ingest job ${key}`, events, (event) => event.key === key && (event.type === 'completed' || event.type === 'failed'));
  };

  const inboundFiles = (target: EmailInbox) => filesUnder(join(t.dataDir, 'attachments', String(target.accountId), 'inbound-mail'));

  beforeAll(async () => {
    t = await createTestApp(kind, { EMAIL_SENDER_RATE_LIMIT: String(SENDER_LIMIT), PUBLIC_API_RATE_LIMIT: String(CLIENT_LIMIT) }, { runWorkers: true });
    t.queue.onEvent((event) => events.push(event));
    admin = await registerAccount(t.app, 'Mail Inc');
    other = await registerAccount(t.app, 'Elsewhere Ltd');
    quiet = await registerAccount(t.app, 'Quiet Co');
    inbox = await createEmailInbox(admin, 'Support');
    foreign = await createEmailInbox(other, 'Their Support');
    quietInbox = await createEmailInbox(quiet, 'Quiet');
    const created = await call(t.app, admin, { method: 'POST', url: '/api/inboxes', payload: { name: 'Website', channelType: 'web_widget' } });
    widget = created.body.inbox;
  });
  afterAll(() => t?.close());

  it('takes a raw message (Bearer secret): 202, then a conversation with its text and subject', async () => {
    const post = client();
    const mail = rawMail({ from: 'raw.customer@example.com', to: inbox.address, subject: 'Kettle broken', text: 'The kettle leaks.' });
    const answer = await post(inbox.identifier, mail, raw(inbox, bearer(inbox.secret)));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body).toEqual({ accepted: true });
    const conversation = await conversationOf(admin, inbox, 'raw.customer@example.com');
    const [message] = await messagesOf(admin, conversation.id);
    expect(message).toMatchObject({ messageType: 'incoming', content: 'The kettle leaks.', email: { subject: 'Kettle broken' } });
    // Nothing of it is left in the account's other inbox or account.
    expect((await listAll(t.app, other, '/api/conversations')).map((c) => c.contact.email)).not.toContain('raw.customer@example.com');
  });

  it('takes Postmark JSON (secret as the Basic password): attachments and inline image kept, its reply threads in, the same post twice is one message', async () => {
    const post = client();
    const first: PostmarkInbound = {
      From: 'Paula Postmark <paula@example.com>',
      FromFull: { Email: 'paula@example.com', Name: 'Paula Postmark' },
      To: inbox.address,
      ToFull: [{ Email: inbox.address, Name: 'Support' }],
      OriginalRecipient: inbox.address,
      Subject: 'Broken toaster',
      MessageID: randomUUID(),
      Date: 'Mon, 7 Dec 2026 10:00:00 +0000',
      TextBody: 'The toaster burns everything. Photo and manual attached.',
      HtmlBody: '<p>The toaster burns everything.</p><img src="cid:photo@paula">',
      Headers: [{ Name: 'Message-ID', Value: '<toaster-1@example.com>' }],
      Attachments: [
        { Name: 'manual.pdf', Content: Buffer.from('%PDF-1.4 manual').toString('base64'), ContentType: 'application/pdf', ContentID: '' },
        { Name: 'photo.png', Content: PIXEL.toString('base64'), ContentType: 'image/png', ContentID: 'photo@paula' },
      ],
    };
    const answer = await post(inbox.identifier, first, json(inbox, basic('postmark', inbox.secret)));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const conversation = await conversationOf(admin, inbox, 'paula@example.com');
    const [message] = await messagesOf(admin, conversation.id);
    expect(message.email).toMatchObject({ subject: 'Broken toaster', from: { address: 'paula@example.com', name: 'Paula Postmark' } });
    expect(message.attachments.map((file: { fileName: string }) => file.fileName).sort()).toEqual(['manual.pdf', 'photo.png']);

    const reply: PostmarkInbound = {
      ...first,
      Subject: 'Re: Broken toaster',
      MessageID: randomUUID(),
      TextBody: 'It also smells of smoke.',
      HtmlBody: null,
      Attachments: [],
      Headers: [
        { Name: 'Message-ID', Value: '<toaster-2@example.com>' },
        { Name: 'In-Reply-To', Value: '<toaster-1@example.com>' },
        { Name: 'References', Value: '<toaster-1@example.com>' },
      ],
    };
    expect((await post(inbox.identifier, reply, json(inbox))).status).toBe(202);
    await eventually('the reply in the conversation', async () => ((await messagesOf(admin, conversation.id)).length === 2 ? true : undefined));

    // Posted again (a provider's retry): the same bytes, no second job.
    expect((await post(inbox.identifier, reply, json(inbox))).status).toBe(202);
    // Posted again with another Date (other bytes, another job): the Message-ID makes it the same message.
    const again = { ...reply, Date: 'Mon, 7 Dec 2026 10:05:00 +0000' };
    expect((await post(inbox.identifier, again, json(inbox))).status).toBe(202);
    expect(await ingested(inbox, await postmarkToMime(again))).toMatchObject({ type: 'completed' });
    expect((await messagesOf(admin, conversation.id)).map((m) => m.content)).toEqual([message.content, 'It also smells of smoke.']);
  });

  it('refuses a missing, wrong or borrowed secret with 401 (Bearer and Basic) and reads none of the body', async () => {
    const post = client();
    const mail = rawMail({ from: 'intruder@example.com', to: quietInbox.address, text: 'x'.repeat(256 * 1024) });
    const attempts: Array<[string, Record<string, string>]> = [
      ['none', { 'content-type': 'message/rfc822' }],
      ['wrong Bearer', raw(quietInbox, bearer(randomBytes(24).toString('hex')))],
      ['wrong Basic password', raw(quietInbox, basic('postmark', randomBytes(24).toString('hex')))],
      ['the secret as the Basic user name', raw(quietInbox, basic(quietInbox.secret, ''))],
      ['Basic without a colon', raw(quietInbox, `Basic ${Buffer.from(quietInbox.secret).toString('base64')}`)],
      ['a prefix of the secret', raw(quietInbox, bearer(quietInbox.secret.slice(0, -1)))],
      ["another account's inbox secret", raw(quietInbox, bearer(foreign.secret))],
      ["the widget's identity secret", raw(quietInbox, bearer(widget.secret))],
      ['another scheme', raw(quietInbox, `Digest ${quietInbox.secret}`)],
    ];
    for (const [label, headers] of attempts) {
      const answer = await post(quietInbox.identifier, mail, headers);
      expectError(answer, 401, 'invalid_inbound_secret', label);
      expect(answer.headers['www-authenticate'], label).toMatch(/^Basic realm=/);
    }
    // This account's secret on another account's inbox: refused there, and in neither account a trace.
    expectError(
      await post(foreign.identifier, rawMail({ from: 'intruder@example.com', to: foreign.address }), raw(foreign, bearer(quietInbox.secret))),
      401,
      'invalid_inbound_secret',
    );
    expect(await inboundFiles(quietInbox)).toEqual([]);
    expect(await listAll(t.app, quiet, '/api/conversations')).toEqual([]);
    expect((await listAll(t.app, other, '/api/conversations')).map((c) => c.contact.email)).not.toContain('intruder@example.com');
  });

  it('answers 404 for an unknown or malformed identifier and for inboxes that are not e-mail inboxes, whatever the secret', async () => {
    const post = client();
    const mail = rawMail({ from: 'lost@example.com', to: inbox.address });
    for (const [label, identifier, secret] of [
      ['unknown', randomBytes(16).toString('hex'), inbox.secret],
      ['malformed', 'not$an~identifier', inbox.secret],
      ['a widget inbox, with an e-mail inbox secret', widget.identifier, inbox.secret],
      ['a widget inbox, with its own secret', widget.identifier, widget.secret],
    ] as const) {
      expectError(await post(identifier, mail, raw(inbox, bearer(secret))), 404, 'inbox_not_found', label);
    }
  });

  it('refuses a 30 MB message with 413 (by its length, streamed without one, as JSON) and keeps nothing of it', async () => {
    const post = client();
    const huge = Buffer.concat([rawMail({ from: 'big@example.com', to: quietInbox.address, text: 'Big one:' }), Buffer.alloc(30 * MB, 'A')]);
    expectError(await post(quietInbox.identifier, huge, raw(quietInbox, bearer(quietInbox.secret))), 413, 'email_too_large', 'by length');
    // Without a length it is counted as it streams, and the part already stored is removed.
    const streamed = await post(
      quietInbox.identifier,
      Readable.from(
        (function* () {
          for (let i = 0; i < huge.length; i += MB) yield huge.subarray(i, i + MB);
        })(),
      ),
      raw(quietInbox, bearer(quietInbox.secret)),
    );
    expectError(streamed, 413, 'email_too_large', 'streamed');
    expect(streamed.headers.connection).toBe('close');
    const bigJson = JSON.stringify({ From: 'big@example.com', TextBody: 'A'.repeat(30 * MB) });
    expectError(await post(quietInbox.identifier, bigJson, json(quietInbox)), 413, 'email_too_large', 'JSON');
    expect(await inboundFiles(quietInbox)).toEqual([]);
    expect(events.filter((event) => event.type === 'added' && event.key.startsWith(`${quietInbox.accountId}-${quietInbox.id}-`))).toEqual([]);
    expect(await listAll(t.app, quiet, '/api/conversations')).toEqual([]);
  });

  it('answers 415 for other body types and 400 for an empty body', async () => {
    const post = client();
    const auth = bearer(inbox.secret);
    const mail = rawMail({ from: 'typed@example.com', to: inbox.address }).toString();
    for (const type of [
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'message/rfc822x',
      'nonsense',
    ]) {
      expectError(await post(inbox.identifier, mail, { 'content-type': type, authorization: auth }), 415, undefined, type);
    }
    expectError(await post(inbox.identifier, undefined, { authorization: auth }), 415, 'unsupported_media_type', 'no body');
    expectError(await post(inbox.identifier, Buffer.alloc(0), { 'content-type': 'message/rfc822', authorization: auth }), 400, 'empty_message');
  });

  it('answers 400, naming the problem, for malformed JSON and Postmark fields', async () => {
    const post = client();
    const headers = json(inbox);
    const cases: Array<[string, string, string]> = [
      ['not JSON', '{"From": "a@example.com",', 'invalid_json'],
      ['empty JSON body', '', 'validation_error'],
      ['an array', '[]', 'validation_error'],
      ['no From', '{"TextBody": "hi"}', 'validation_error'],
      ['From not text', '{"From": 42}', 'validation_error'],
      ['Headers not a list', '{"From": "a@example.com", "Headers": "X-Evil: 1"}', 'validation_error'],
      ['a header without a value', '{"From": "a@example.com", "Headers": [{"Name": "X-A"}]}', 'validation_error'],
      [
        'too many headers',
        JSON.stringify({ From: 'a@example.com', Headers: Array.from({ length: 1001 }, () => ({ Name: 'X-A', Value: 'b' })) }),
        'validation_error',
      ],
      [
        'an attachment that is not base64',
        JSON.stringify({ From: 'a@example.com', Attachments: [{ Name: 'a.bin', Content: '<script>', ContentType: 'x/y' }] }),
        'invalid_attachment',
      ],
      ['nesting 10,000 deep', `{"From": "a@example.com", "X": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 'too_deep'],
      ['a lone surrogate', '{"From": "a@example.com", "Subject": "\\ud800"}', 'invalid_text'],
      ['__proto__', '{"From": "a@example.com", "__proto__": {"polluted": true}}', 'invalid_json'],
    ];
    for (const [label, body, code] of cases) {
      expectError(await post(inbox.identifier, body, headers), 400, code, label);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes malformed MIME (202) and ends it as a message or a clearly failed job, never a 500', async () => {
    const post = client();
    const bodies = [
      randomBytes(4096),
      Buffer.from(
        `From: broken@example.com\r\nTo: ${inbox.address}\r\nSubject: half\r\nthis line has no colon\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%\r\n--b\r\nContent-Type: image/png\r\n`,
      ),
      Buffer.from(`From: headers-only@example.com\r\nTo: ${inbox.address}\r\nSubject: nothing after`),
      Buffer.from(`From: nul@example.com\r\nTo: ${inbox.address}\r\nSubject: a \u0000 NUL\r\n\r\nText with a \u0000 NUL and \udc00 half a pair.\r\n`),
    ];
    for (const body of bodies) {
      const answer = await post(inbox.identifier, body, raw(inbox, bearer(inbox.secret)));
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      const outcome = await ingested(inbox, body);
      if (outcome.type === 'failed') expect(outcome.error).not.toMatch(/TypeError|Cannot read|is not a function|undefined/);
    }
  });

  it(`refuses a sender's mail over ${SENDER_LIMIT} an hour with 429 sender_rate_limited, raw or JSON, keeping nothing of it; other senders still get in`, async () => {
    const post = client();
    const sender = 'flood@example.com';
    for (let i = 0; i < SENDER_LIMIT; i++) {
      const answer = await post(inbox.identifier, rawMail({ from: sender, to: inbox.address, subject: `Flood ${i}` }), raw(inbox, bearer(inbox.secret)));
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    }
    // Raw files only go from here on (as their jobs end): a new one would be a refused mail's.
    const stored = new Set(await inboundFiles(inbox));
    expectError(
      await post(inbox.identifier, rawMail({ from: sender, to: inbox.address }), raw(inbox, bearer(inbox.secret))),
      429,
      'sender_rate_limited',
      'raw',
    );
    expectError(await post(inbox.identifier, { From: `Flood <${sender}>`, TextBody: 'again' }, json(inbox)), 429, 'sender_rate_limited', 'JSON');
    expect((await inboundFiles(inbox)).filter((file) => !stored.has(file))).toEqual([]);
    expect((await post(inbox.identifier, rawMail({ from: 'calm@example.com', to: inbox.address }), raw(inbox, bearer(inbox.secret)))).status).toBe(202);
    await conversationOf(admin, inbox, 'calm@example.com');
    await eventually(`${SENDER_LIMIT} messages from the flooding sender, no more`, async () => {
      const conversations = (await listAll(t.app, admin, `/api/conversations?inboxId=${inbox.id}`)).filter((c) => c.contact.email === sender);
      const messages = (await Promise.all(conversations.map((c) => messagesOf(admin, c.id)))).flat();
      return messages.length === SENDER_LIMIT ? true : undefined;
    });
  });

  it(`refuses a client over ${CLIENT_LIMIT} requests a minute with 429 rate_limited and Retry-After, before looking anything up`, async () => {
    const post = client();
    for (let i = 0; i < CLIENT_LIMIT; i++) expect((await post(randomBytes(16).toString('hex'), 'x', { 'content-type': 'message/rfc822' })).status).toBe(404);
    const refused = await post(inbox.identifier, rawMail({ from: 'fast@example.com', to: inbox.address }), raw(inbox, bearer(inbox.secret)));
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not held back by it.
    expect((await client()(inbox.identifier, rawMail({ from: 'fast@example.com', to: inbox.address }), raw(inbox, bearer(inbox.secret)))).status).toBe(202);
  });

  it('is documented in the OpenAPI document with both body types and its secret', async () => {
    const doc = (await call(t.app, undefined, { method: 'GET', url: '/docs/json' })).body;
    const route = doc.paths['/api/public/inboxes/{inboxIdentifier}/email'].post;
    expect(Object.keys(route.requestBody.content).sort()).toEqual(['application/json', 'message/rfc822']);
    expect(route.security).toEqual([{ inboundSecret: [] }]);
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['202', '401', '404', '413', '415', '429']));
    expect(doc.components.securitySchemes.inboundSecret).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('keeps nothing of an upload cut off mid-body over a real connection', async () => {
    const base = new URL(await listen(t.app));
    const head = rawMail({ from: 'cut@example.com', to: quietInbox.address, text: 'Beginning of a long mail' });
    const socket = connect(Number(base.port), base.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST ${url(quietInbox.identifier)} HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: message/rfc822\r\nAuthorization: Bearer ${quietInbox.secret}\r\nContent-Length: ${10 * MB}\r\n\r\n`,
    );
    socket.write(head);
    socket.write(Buffer.alloc(MB, 'B'));
    // It is being stored...
    await eventually('the upload being stored', async () => ((await inboundFiles(quietInbox)).length > 0 ? true : undefined));
    socket.destroy();
    // ...and once the connection is gone, nothing is.
    await eventually('the partial upload removed', async () => ((await inboundFiles(quietInbox)).length === 0 ? true : undefined));
    expect(await listAll(t.app, quiet, '/api/conversations')).toEqual([]);
  });
});
