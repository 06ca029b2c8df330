/**
 * Agents' replies in e-mail conversations, out through a real SMTP relay on 127.0.0.1 (the sink of
 * test-support/mail.ts) and read back with mailparser as the customer's client would: threading
 * headers, both parts, attachments, header injection; the delivery state (queued, sent, failed
 * with the relay's answer) as the API and `message:updated` tell it; retries by the queue and by
 * an agent. One round trip takes the customer's mail in through the built-in SMTP listener and
 * their answers back; elsewhere the customer's messages are stamped with the Message-IDs and
 * subject an inbound e-mail leaves on them (modules/email/inbound-mail.ts stores the same).
 */
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { simpleParser, type AddressObject } from 'mailparser';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { inboxes as inboxesTable, messages, type EmailDetails } from '../../db/schema.js';
import { withTenant } from '../../platform/tenancy.js';
import { createDiskStorage } from '../../platform/storage/disk-storage.js';
import { createEventBus, type PublishedEvent } from '../../realtime/event-bus.js';
import type { QueueEvent } from '../../platform/queue/jobs.js';
import { buildTestApp, call, createTestApp, listen, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, eventuallyFound, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { customerMailer, startSmtpSink, type SmtpSink } from '../../test-support/mail.js';
import { formBody } from '../../test-support/multipart.js';
import { unusedPorts } from '../../test-support/ports.js';
import { connected, connectSocket, recordEvents } from '../../test-support/sockets.js';
import { createAttachmentService } from '../attachments/attachments.service.js';
import { createAttachmentUrls } from '../attachments/signed-urls.js';
import { createMessageDeliveries } from '../conversations/deliveries.js';
import { EMAIL_SEND_ATTEMPTS } from '../conversations/email-replies.js';

/** A relay that hangs costs a few seconds; one that answers is never taken for hanging on a loaded machine. */
const EMAIL_ENV = { EMAIL_ALLOW_PRIVATE_NETWORKS: 'true', EMAIL_TIMEOUT_MS: '5000' };
/** Retries a twentieth of a second apart and growing: a relay's outage costs the test a second, not an hour. */
const SHORT_BACKOFF = (attempt: number) => 50 * attempt;

type Method = 'GET' | 'POST' | 'PATCH';

describe.each(await databaseKinds())('e-mail replies through an SMTP relay on %s', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let url: string;
  /** The built-in SMTP listener's port: customers' mail comes in there. */
  let listenerPort: number;
  let inboxes = 0;

  const api = (session: Session, method: Method, path: string, payload?: object) =>
    call(t.app, session, { method, url: path, ...(payload ? { payload } : {}) });

  /** An e-mail inbox of the account whose replies leave through `smtp` (the sink unless told otherwise). */
  async function emailInbox(session: Session, smtp: object = sink.settings) {
    const address = `support-${kind}-${++inboxes}@example.com`;
    const created = await api(session, 'POST', '/api/inboxes', { name: `Support ${inboxes}`, channelType: 'email', settings: { address, smtp } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { id: created.body.inbox.id as number, address };
  }

  /** What an inbound e-mail leaves on its message: its Message-ID and details. */
  async function stampAsEmail(session: Session, messageId: number, sourceId: string, subject: string, from: string) {
    const email: EmailDetails = {
      subject,
      from: { address: from, name: null },
      to: [],
      cc: [],
      html: null,
      fullText: null,
      inReplyTo: null,
      references: [],
      automated: false,
      authentication: null,
    };
    await withTenant(t.database.db, { accountId: session.accountId }, (tx) =>
      tx
        .update(messages)
        .set({ sourceId, email })
        .where(and(eq(messages.accountId, session.accountId), eq(messages.id, messageId))),
    );
  }

  /** A customer's e-mail conversation: their first mail and a follow-up, as the inbound side stores them. */
  async function customerThread(session: Session, inbox: { id: number }, subject: string, customer = `cora.${kind}.${inboxes}@customer.example`) {
    const opened = await api(session, 'POST', '/api/conversations', {
      inboxId: inbox.id,
      contact: { name: 'Cora Customer', email: customer },
      message: { content: 'My order 1234 has not arrived.' },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const conversationId = opened.body.conversation.id as number;
    const tag = `${kind}-${conversationId}`;
    const first = `<first-${tag}@customer.example>`;
    await stampAsEmail(session, opened.body.message.id, first, subject, customer);
    const followUp = await api(session, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Any news?', messageType: 'incoming' });
    expect(followUp.status, JSON.stringify(followUp.body)).toBe(201);
    const second = `<second-${tag}@customer.example>`;
    await stampAsEmail(session, followUp.body.message.id, second, `Re: ${subject}`, customer);
    return { conversationId, customer, sourceIds: [first, second] };
  }

  const sourceIdOf = async (messageId: number) =>
    (await queryRows<{ source_id: string | null }>(t.database.db, sql`select source_id from messages where id = ${messageId}`))[0]!.source_id;

  const sendJobsOf = async (messageId: number) =>
    (
      await queryRows<{ count: number }>(
        t.database.db,
        sql`select count(*)::int as count from jobs where queue = 'email-send' and (payload->>'messageId')::bigint = ${messageId}`,
      )
    )[0]!.count;

  /** The reply as the agents' API lists it, once its delivery state is `status`. */
  const replyOnceIt = (session: Session, conversationId: number, messageId: number, status: 'sent' | 'failed') =>
    eventually(`reply ${messageId} ${status}`, async () => {
      const page = await api(session, 'GET', `/api/conversations/${conversationId}/messages?limit=100`);
      const reply = page.body.data.find((message: { id: number }) => message.id === messageId);
      return reply?.deliveryStatus === status ? reply : undefined;
    });

  /** The sink's messages carrying this Message-ID (one per attempt that reached DATA). */
  const atSink = (sourceId: string) => sink.messages.filter((message) => message.text.includes(`Message-ID: ${sourceId}`));

  const addresses = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field : field ? [field] : []).flatMap((f) => f.value);

  beforeAll(async () => {
    listenerPort = await unusedPorts();
    t = await createTestApp(
      kind,
      { ...EMAIL_ENV, SMTP_LISTEN_PORT: String(listenerPort), SMTP_LISTEN_HOST: '127.0.0.1' },
      { runWorkers: true, backoff: SHORT_BACKOFF },
    );
    sink = await startSmtpSink();
    url = await listen(t.app);
  }, 120_000);
  // A test that told the relay to refuse (and failed before undoing it) leaves it accepting for the next.
  afterEach(() => sink.behave(() => 250));
  afterAll(async () => {
    await sink?.close();
    await t?.close();
  });

  it("sends the agent's reply threaded, from the agent's name, with a text and an HTML part and the attachment; the agents see it sent live", async () => {
    const admin = await registerAccount(t.app, 'Mail shop');
    const inbox = await emailInbox(admin);
    const { conversationId, customer, sourceIds } = await customerThread(admin, inbox, 'Order 1234 missing');
    const socket: Socket = connectSocket(url, admin.token);
    const seen = recordEvents(socket);
    await connected(socket);

    const markdown =
      'Hello **Cora**,\n\nyour parcel left today <img src=x onerror="alert(1)">.\n\n<script>alert(2)</script>\n\nSee [tracking](javascript:alert(3)) or [the carrier](https://carrier.example/1234).';
    const form = await formBody({ content: markdown }, [{ fileName: 'label.pdf', bytes: '%PDF-1.4 shipping label', type: 'application/pdf' }]);
    const posted = await call(t.app, admin, {
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      payload: form.payload,
      headers: form.headers,
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const reply = posted.body.message;
    expect(reply).toMatchObject({
      messageType: 'outgoing',
      deliveryStatus: 'queued',
      deliveryError: null,
      email: { subject: 'Re: Order 1234 missing', to: [customer], inReplyTo: sourceIds[1], references: sourceIds, from: { address: inbox.address } },
    });
    const messageId = (await sourceIdOf(reply.id))!;
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@example\.com>$/);

    const [received] = await eventually('the reply at the relay', () => (atSink(messageId).length > 0 ? atSink(messageId) : undefined));
    expect(received!.envelope).toEqual({ from: inbox.address, to: [customer] });
    const mail = await simpleParser(received!.raw);
    expect(addresses(mail.from)).toEqual([{ address: inbox.address, name: expect.stringMatching(/^Admin \d+$/) }]);
    const [local, domain] = inbox.address.split('@');
    expect(addresses(mail.replyTo)).toEqual([
      { address: expect.stringMatching(new RegExp(`^${local}\\+c${conversationId}-[0-9a-f]{10}@${domain}$`)), name: '' },
    ]);
    expect(addresses(mail.to).map((to) => to.address)).toEqual([customer]);
    expect(mail.messageId).toBe(messageId);
    expect(mail.inReplyTo).toBe(sourceIds[1]);
    expect(mail.references).toEqual(sourceIds);
    expect(mail.subject).toBe('Re: Order 1234 missing');
    expect(mail.text).toContain('Hello **Cora**');
    expect(mail.html).toContain('<strong>Cora</strong>');
    // HTML typed into the reply arrives as text; a javascript: link keeps only its words.
    expect(mail.html).toContain('your parcel left today &lt;img src=x onerror=&quot;alert(1)&quot;&gt;.');
    expect(mail.html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(mail.html).not.toMatch(/<script|<img|javascript:/i);
    expect(mail.html).toContain('See tracking or <a href="https://carrier.example/1234">the carrier</a>.');
    expect(mail.attachments.map((file) => [file.filename, file.contentType, file.content.toString()])).toEqual([
      ['label.pdf', 'application/pdf', '%PDF-1.4 shipping label'],
    ]);

    const updated = await eventuallyFound(
      'message:updated (sent)',
      seen,
      (event) => event.event === 'message:updated' && event.payload.data.message.id === reply.id && event.payload.data.message.deliveryStatus === 'sent',
    );
    expect(updated.payload.data).toMatchObject({ conversationId, message: { id: reply.id, deliveryError: null, attachments: [{ fileName: 'label.pdf' }] } });
    await replyOnceIt(admin, conversationId, reply.id, 'sent');
    // Sent once: the job's key is the message's.
    expect(atSink(messageId)).toHaveLength(1);
    socket.disconnect();
  });

  it("carries a round trip over SMTP: the customer's mail in through the listener, the reply out through the relay, the customer's answers back into the conversation", async () => {
    const admin = await registerAccount(t.app, 'Round trip shop');
    const inbox = await emailInbox(admin);
    const customer = `rita.${kind}@customer.example`;
    const client = customerMailer(listenerPort);
    try {
      await client.send({ from: `"Rita Customer" <${customer}>`, to: inbox.address, subject: 'Broken kettle', text: 'My kettle stopped working.' });
      const conversation = await eventually('the conversation from the mail', async () => {
        const page = await api(admin, 'GET', `/api/conversations?inboxId=${inbox.id}`);
        return page.body.data.find((row: { contact: { email: string } }) => row.contact.email === customer);
      });
      const thread = async () => (await api(admin, 'GET', `/api/conversations/${conversation.id}/messages?limit=100`)).body.data;
      const [first] = await thread();
      const posted = await api(admin, 'POST', `/api/conversations/${conversation.id}/messages`, { content: 'Sorry to hear! Is the light on?' });
      await replyOnceIt(admin, conversation.id, posted.body.message.id, 'sent');
      const sent = await simpleParser(atSink((await sourceIdOf(posted.body.message.id))!)[0]!.raw);
      expect(sent.subject).toBe('Re: Broken kettle');
      expect(sent.inReplyTo).toBe(await sourceIdOf(first.id));
      const replyTo = addresses(sent.replyTo)[0]!.address!;

      // The customer's client answers the reply as mail clients do: to its Reply-To, with its Message-ID in the threading headers.
      await client.send({
        from: customer,
        to: replyTo,
        subject: `Re: ${sent.subject}`,
        inReplyTo: sent.messageId,
        references: [...[sent.references ?? []].flat(), sent.messageId!],
        text: 'No, the light stays off.\n\nOn Monday, Support wrote:\n> Sorry to hear! Is the light on?',
      });
      // One whose client dropped the headers still finds it by the Reply-To address.
      await client.send({ from: customer, to: replyTo, subject: 'kettle again', text: 'I also tried another socket.' });
      const answers = await eventually('both answers in the conversation', async () => {
        const incoming = (await thread()).filter((message: { messageType: string }) => message.messageType === 'incoming');
        return incoming.length === 3 ? incoming : undefined;
      });
      expect(answers.map((message: { content: string }) => message.content.trim())).toEqual([
        'My kettle stopped working.',
        'No, the light stays off.',
        'I also tried another socket.',
      ]);
      const conversations = await api(admin, 'GET', `/api/conversations?inboxId=${inbox.id}`);
      expect(conversations.body.data).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it("leaves a reply the relay refuses (5xx) failed at once with the relay's answer; an agent's retry sends it, with the same Message-ID", async () => {
    const admin = await registerAccount(t.app, 'Refused shop');
    const inbox = await emailInbox(admin);
    const { conversationId } = await customerThread(admin, inbox, 'Refund');
    sink.behave(() => 550);
    const posted = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Your refund is on its way.' });
    expect(posted.status).toBe(201);
    const failed = await replyOnceIt(admin, conversationId, posted.body.message.id, 'failed');
    expect(failed.deliveryError).toMatch(/550 Mailbox unavailable: the sink refuses it/);
    const messageId = (await sourceIdOf(posted.body.message.id))!;
    // Refused for good: not tried again.
    const [job] = await queryRows<{ state: string; attempts: number }>(
      t.database.db,
      sql`select state, attempts from jobs where key = ${`msg-${posted.body.message.id}`}`,
    );
    expect(job).toEqual({ state: 'completed', attempts: 1 });
    const retryUrl = `/api/conversations/${conversationId}/messages/${posted.body.message.id}/retry`;

    sink.behave(() => 250);
    const retried = await api(admin, 'POST', retryUrl);
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect(retried.body.message).toMatchObject({ id: posted.body.message.id, deliveryStatus: 'queued', deliveryError: null });
    await replyOnceIt(admin, conversationId, posted.body.message.id, 'sent');
    expect(atSink(messageId)).toHaveLength(2);
    const resent = await simpleParser(atSink(messageId)[1]!.raw);
    expect(resent.messageId).toBe(messageId);

    // Sent: nothing to retry.
    expectError(await api(admin, 'POST', retryUrl), 409, 'not_failed');
  });

  it('retries a relay that times out or fails for now (4xx) until it takes the reply', async () => {
    const admin = await registerAccount(t.app, 'Flaky relay shop');
    const inbox = await emailInbox(admin);
    const { conversationId } = await customerThread(admin, inbox, 'Invoice');
    let attempts = 0;
    sink.behave(() => {
      attempts += 1;
      return attempts === 1 ? 'hang' : attempts === 2 ? 451 : 250;
    });
    const posted = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Here is your invoice.' });
    await replyOnceIt(admin, conversationId, posted.body.message.id, 'sent');
    const messageId = (await sourceIdOf(posted.body.message.id))!;
    expect(atSink(messageId).map((message) => message.answered)).toEqual([null, 451, 250]);
  });

  it('ends an attempt the relay holds beyond EMAIL_TIMEOUT_MS, as failed for now, and sends the reply on the next', async () => {
    const admin = await registerAccount(t.app, 'Slow relay shop');
    const inbox = await emailInbox(admin);
    const { conversationId } = await customerThread(admin, inbox, 'Slow');
    let attempts = 0;
    sink.behave(() => (++attempts === 1 ? 'hang' : 250));
    const failures: Extract<QueueEvent, { type: 'failed' }>[] = [];
    const stop = t.queue.onEvent((event) => {
      if (event.type === 'failed' && event.queue === 'email-send') failures.push(event);
    });
    try {
      const posted = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Coming right up.' });
      await replyOnceIt(admin, conversationId, posted.body.message.id, 'sent');
      const [held, ...more] = failures.filter((event) => event.key === `msg-${posted.body.message.id}`);
      expect(more).toHaveLength(0);
      expect(held).toMatchObject({ willRetry: true, error: `127.0.0.1:${sink.port} did not take the reply within 5 s (EMAIL_TIMEOUT_MS)` });
      // The whole attempt, not each exchange: DNS, connecting and the message together.
      expect(held!.durationMs).toBeLessThan(5_000 + 2_000);
      expect(atSink((await sourceIdOf(posted.body.message.id))!).map((message) => message.answered)).toEqual([null, 250]);
    } finally {
      stop();
    }
  });

  it("retries a relay that keeps failing for now, then shows the reply failed with the relay's answer", async () => {
    const admin = await registerAccount(t.app, 'Busy relay shop');
    const inbox = await emailInbox(admin);
    const { conversationId } = await customerThread(admin, inbox, 'Delivery');
    sink.behave(() => 451);
    const posted = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'It ships tomorrow.' });
    const failed = await replyOnceIt(admin, conversationId, posted.body.message.id, 'failed');
    expect(failed.deliveryError).toMatch(new RegExp(`^Not sent after ${EMAIL_SEND_ATTEMPTS} attempts: .*451 Try again later`));
    const [job] = await queryRows<{ state: string; attempts: number }>(
      t.database.db,
      sql`select state, attempts from jobs where key = ${`msg-${posted.body.message.id}`}`,
    );
    expect(job).toEqual({ state: 'failed', attempts: EMAIL_SEND_ATTEMPTS });
    // Every attempt that reached the relay heard the same answer.
    const copies = atSink((await sourceIdOf(posted.body.message.id))!);
    expect(copies.length).toBeGreaterThan(0);
    expect(new Set(copies.map((copy) => copy.answered))).toEqual(new Set([451]));

    // A relay nobody listens on: the same retries, then the reason in words.
    const closedPort = await unusedPorts(1);
    const down = await emailInbox(admin, { host: '127.0.0.1', port: closedPort, secure: false });
    const thread = await customerThread(admin, down, 'Relay down');
    const unsent = await api(admin, 'POST', `/api/conversations/${thread.conversationId}/messages`, { content: 'Hello?' });
    const gaveUp = await replyOnceIt(admin, thread.conversationId, unsent.body.message.id, 'failed');
    expect(gaveUp.deliveryError).toBe(
      `Not sent after ${EMAIL_SEND_ATTEMPTS} attempts: Could not talk to 127.0.0.1:${closedPort}: the connection was refused (nothing listens on that port?)`,
    );
  });

  it("keeps a header injection in the agent's name or the thread's subject inside its one header", async () => {
    const registered = await call(t.app, undefined, {
      method: 'POST',
      url: '/api/auth/register',
      payload: {
        accountName: 'Injection shop',
        name: 'Eve "Boss" <ceo@evil.example>\r\nBcc: victim@evil.example',
        email: `eve.${kind}.${Date.now()}@example.com`,
        password: 'correct horse battery',
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const eve: Session = {
      token: registered.body.token,
      accountId: registered.body.account.id,
      userId: registered.body.user.id,
      auth: { authorization: `Bearer ${registered.body.token}` },
    };
    const inbox = await emailInbox(eve);
    // A customer's encoded subject decodes to line breaks: the inbound side keeps it as it was.
    const { conversationId, customer } = await customerThread(eve, inbox, 'Help\r\nBcc: victim2@evil.example\r\nX-Injected: yes');
    const posted = await api(eve, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'On it.' });
    await replyOnceIt(eve, conversationId, posted.body.message.id, 'sent');
    const [received] = atSink((await sourceIdOf(posted.body.message.id))!);
    expect(received!.envelope.to).toEqual([customer]);
    const head = received!.text.slice(0, received!.text.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
    expect(head.match(/^From:/gim)).toHaveLength(1);
    expect(head.match(/^Subject:/gim)).toHaveLength(1);
    const mail = await simpleParser(received!.raw);
    expect(addresses(mail.from)).toEqual([{ address: inbox.address, name: 'Eve Boss ceo@evil.example Bcc: victim@evil.example' }]);
    expect(mail.subject).toBe('Re: Help Bcc: victim2@evil.example X-Injected: yes');
    expect(mail.bcc).toBeUndefined();
  });

  it('sends nothing for private notes, other channels or the customer; a contact without an address fails at once until they have one', async () => {
    const admin = await registerAccount(t.app, 'Quiet shop');
    const inbox = await emailInbox(admin);
    const { conversationId } = await customerThread(admin, inbox, 'Question');
    const note = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Check the warehouse', private: true });
    const incoming = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Hello again', messageType: 'incoming' });
    const api_ = await api(admin, 'POST', '/api/inboxes', { name: 'App', channelType: 'api' });
    const other = await api(admin, 'POST', '/api/conversations', {
      inboxId: api_.body.inbox.id,
      contact: { email: `app.${kind}@customer.example` },
      message: { content: 'Hi' },
    });
    const appReply = await api(admin, 'POST', `/api/conversations/${other.body.conversation.id}/messages`, { content: 'Hello from the app' });
    for (const answer of [note, incoming, appReply]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      expect(answer.body.message).toMatchObject({ deliveryStatus: null, deliveryError: null });
      // The sending job would have been written in the message's transaction.
      expect(await sendJobsOf(answer.body.message.id)).toBe(0);
    }
    expectError(await api(admin, 'POST', `/api/conversations/${conversationId}/messages/${note.body.message.id}/retry`), 409, 'not_failed');

    // An e-mail inbox without settings, as the demo's is (demo/seed.ts): its replies stay in HummDesk.
    const [demo] = await withTenant(t.database.db, { accountId: admin.accountId }, (tx) =>
      tx.insert(inboxesTable).values({ accountId: admin.accountId, name: 'Support e-mail', channelType: 'email' }).returning({ id: inboxesTable.id }),
    );
    const demoThread = await api(admin, 'POST', '/api/conversations', {
      inboxId: demo!.id,
      contact: { email: `old.${kind}@customer.example` },
      message: { content: 'Hi' },
    });
    const demoReply = await api(admin, 'POST', `/api/conversations/${demoThread.body.conversation.id}/messages`, { content: 'Hello' });
    expect(demoReply.status, JSON.stringify(demoReply.body)).toBe(201);
    expect(demoReply.body.message.deliveryStatus).toBeNull();
    expect(await sendJobsOf(demoReply.body.message.id)).toBe(0);

    const anonymous = await api(admin, 'POST', '/api/conversations', { inboxId: inbox.id, contact: { name: 'No Address' }, message: { content: 'Call me' } });
    const unsendable = await api(admin, 'POST', `/api/conversations/${anonymous.body.conversation.id}/messages`, { content: 'Sure' });
    expect(unsendable.body.message).toMatchObject({
      deliveryStatus: 'failed',
      deliveryError: 'The contact has no e-mail address: add one to the contact, then retry',
    });
    expect(await sendJobsOf(unsendable.body.message.id)).toBe(0);
    const retryUrl = `/api/conversations/${anonymous.body.conversation.id}/messages/${unsendable.body.message.id}/retry`;
    expectError(await api(admin, 'POST', retryUrl), 422, 'no_recipient');
    const address = `found.${kind}@customer.example`;
    const patched = await api(admin, 'PATCH', `/api/contacts/${anonymous.body.conversation.contact.id}`, { email: address });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await api(admin, 'POST', retryUrl)).status).toBe(202);
    const sent = await replyOnceIt(admin, anonymous.body.conversation.id, unsendable.body.message.id, 'sent');
    expect(sent.email.to).toEqual([address]);
    expect(atSink((await sourceIdOf(unsendable.body.message.id))!)[0]!.envelope.to).toEqual([address]);
  });

  it("fails a sent reply when a bounce names its Message-ID, and no other account's or customer's message", async () => {
    const admin = await registerAccount(t.app, 'Bounced shop');
    const inbox = await emailInbox(admin);
    const { conversationId, sourceIds } = await customerThread(admin, inbox, 'Bounce');
    const posted = await api(admin, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'To a mailbox that is full' });
    await replyOnceIt(admin, conversationId, posted.body.message.id, 'sent');
    const messageId = (await sourceIdOf(posted.body.message.id))!;

    // The deliveries of another process on the same database (a worker reading the bounce), its own bus.
    const bus = createEventBus();
    const published: PublishedEvent[] = [];
    bus.subscribe((event) => published.push(event));
    const attachments = createAttachmentService({
      db: t.database.db,
      storage: createDiskStorage(join(t.dataDir, 'attachments')),
      urls: createAttachmentUrls(TEST_JWT_SECRET),
      limits: { maxBytes: 1_000_000, maxFiles: 10 },
      onError: (error) => {
        throw error;
      },
    });
    const deliveries = createMessageDeliveries({ db: t.database.db, events: bus, queue: t.queue, attachments });

    const stranger = await registerAccount(t.app, 'Stranger shop');
    expect(await deliveries.failBySourceId(stranger.accountId, messageId, 'Mailbox full')).toBe(false);
    expect(await deliveries.failBySourceId(admin.accountId, sourceIds[0]!, 'Mailbox full')).toBe(false);
    expect(published).toEqual([]);
    await replyOnceIt(admin, conversationId, posted.body.message.id, 'sent');

    expect(await deliveries.failBySourceId(admin.accountId, messageId, '550 5.2.2 Mailbox full')).toBe(true);
    const failed = await replyOnceIt(admin, conversationId, posted.body.message.id, 'failed');
    expect(failed.deliveryError).toBe('550 5.2.2 Mailbox full');
    expect(published.map(({ envelope, rooms }) => [envelope.event, envelope.accountId, rooms.includes(`conversation:${conversationId}`)])).toEqual([
      ['message:updated', admin.accountId, true],
    ]);
    expect(published[0]!.envelope.data).toMatchObject({ conversationId, message: { id: posted.body.message.id, deliveryStatus: 'failed' } });
    // A second bounce of the same reply: still ours, nothing new to tell.
    expect(await deliveries.failBySourceId(admin.accountId, messageId, 'again')).toBe(true);
    expect(published).toHaveLength(1);
    expect((await replyOnceIt(admin, conversationId, posted.body.message.id, 'failed')).deliveryError).toBe('550 5.2.2 Mailbox full');
  });

  it("answers 404 for another account's reply and clear 4xx for bad ids", async () => {
    const owner = await registerAccount(t.app, 'Owner shop');
    const inbox = await emailInbox(owner);
    const { conversationId } = await customerThread(owner, inbox, 'Private');
    sink.behave(() => 550);
    const posted = await api(owner, 'POST', `/api/conversations/${conversationId}/messages`, { content: 'Refused' });
    await replyOnceIt(owner, conversationId, posted.body.message.id, 'failed');
    sink.behave(() => 250);
    const retryUrl = `/api/conversations/${conversationId}/messages/${posted.body.message.id}/retry`;

    const stranger = await registerAccount(t.app, 'Stranger shop');
    expectError(await api(stranger, 'POST', retryUrl), 404, 'not_found');
    const elsewhere = await customerThread(owner, inbox, 'Elsewhere');
    expectError(await api(owner, 'POST', `/api/conversations/${elsewhere.conversationId}/messages/${posted.body.message.id}/retry`), 404, 'not_found');
    expectError(await api(owner, 'POST', `/api/conversations/${conversationId}/messages/abc/retry`), 400, 'validation_error');
    expectError(await api(owner, 'POST', `/api/conversations/${conversationId}/messages/0/retry`), 400, 'validation_error');
    expectError(await call(t.app, undefined, { method: 'POST', url: retryUrl }), 401);
    // Still failed: the stranger's attempt changed nothing.
    await replyOnceIt(owner, conversationId, posted.body.message.id, 'failed');
  });
});

describe.each(await databaseKinds())('e-mail replies to a relay on a private network on %s', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    sink = await startSmtpSink();
  }, 120_000);
  afterAll(async () => {
    await sink?.close();
    await t?.close();
  });

  it('refuses a loopback relay unless the operator allows private networks, failing the reply at once with the reason', async () => {
    const admin = await registerAccount(t.app, 'Internal shop');
    const created = await call(t.app, admin, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name: 'Support', channelType: 'email', settings: { address: `internal-${kind}@example.com`, smtp: sink.settings } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const opened = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { inboxId: created.body.inbox.id, contact: { email: `ian.${kind}@customer.example` }, message: { content: 'Hi' } },
    });
    const conversationId = opened.body.conversation.id;
    const posted = await call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'Hello' } });
    const failed = await eventually('the reply failed', async () => {
      const page = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/messages` });
      const reply = page.body.data.find((message: { id: number }) => message.id === posted.body.message.id);
      return reply?.deliveryStatus === 'failed' ? reply : undefined;
    });
    expect(failed.deliveryError).toMatch(/^127\.0\.0\.1 is \(or resolves to\) a private or reserved address.*EMAIL_ALLOW_PRIVATE_NETWORKS/);
    expect(sink.messages).toHaveLength(0);
  });
});

describe.each(await databaseKinds())('a reply whose last attempt was cut off on %s', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    // No workers here: the one that takes the job over is started by the test.
    t = await createTestApp(kind, EMAIL_ENV);
    sink = await startSmtpSink();
  }, 120_000);
  afterAll(async () => {
    await sink?.close();
    await t?.close();
  });

  it('is failed, not mailed again, when a worker takes over a job whose last attempt never ended', async () => {
    const admin = await registerAccount(t.app, 'Cut off shop');
    const created = await call(t.app, admin, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name: 'Support', channelType: 'email', settings: { address: `cut-${kind}@example.com`, smtp: sink.settings } },
    });
    const opened = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { inboxId: created.body.inbox.id, contact: { email: `carl.${kind}@customer.example` }, message: { content: 'Hi' } },
    });
    const conversationId = opened.body.conversation.id;
    const posted = await call(t.app, admin, { method: 'POST', url: `/api/conversations/${conversationId}/messages`, payload: { content: 'Hello' } });
    expect(posted.body.message.deliveryStatus).toBe('queued');
    // As a worker that stopped during the last attempt leaves it: claimed, every attempt used, its lock run out.
    await t.database.db.execute(
      sql`update jobs set state = 'active', attempts = max_attempts, locked_until = now() - interval '1 second' where key = ${`msg-${posted.body.message.id}`}`,
    );

    const worker = await buildTestApp(t.database, { ...EMAIL_ENV, HUMMDESK_DATA_DIR: t.dataDir }, undefined, true);
    try {
      const failed = await eventually('the reply failed', async () => {
        const page = await call(t.app, admin, { method: 'GET', url: `/api/conversations/${conversationId}/messages` });
        const reply = page.body.data.find((message: { id: number }) => message.id === posted.body.message.id);
        return reply?.deliveryStatus === 'failed' ? reply : undefined;
      });
      expect(failed.deliveryError).toBe(
        `The last of ${EMAIL_SEND_ATTEMPTS} attempts was cut off (the worker sending it stopped): it may or may not have reached the customer`,
      );
      expect(sink.messages).toHaveLength(0);
    } finally {
      await worker.close();
    }
  });
});
