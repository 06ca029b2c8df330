/**
 * Fetching an inbox's mailbox from a real IMAP server (Debian's dovecot, test-support/dovecot.ts):
 * unseen mail becomes conversations and is flagged \Seen, fetched once however often the poll
 * runs; a connection lost mid-fetch, or between storing a message and flagging it, imports
 * nothing twice and nothing in part; what went wrong is shown to the administrators and the
 * next poll stays scheduled.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { and, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../db/schema.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { listAll } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { filesUnder } from '../../test-support/files.js';
import { dovecotAvailable, startDovecot, type Dovecot, type DovecotUser } from '../../test-support/dovecot.js';
import { eventually } from '../../test-support/eventually.js';

/**
 * A TCP proxy in front of dovecot that can cut a connection: once the client sends a command
 * matching `pattern`, it passes `serverBytes` more bytes of the server's answer, then drops both
 * sides (once per `cutWhen`).
 */
async function startCuttingProxy(targetPort: number) {
  let rule: { pattern: RegExp; serverBytes: number } | undefined;
  let cuts = 0;
  /** Everything the clients sent, to count their commands. */
  let sent = '';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let budget: number | undefined;
    const cut = () => {
      cuts += 1;
      rule = undefined;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      sent += chunk.toString('latin1');
      if (rule && budget === undefined && rule.pattern.test(chunk.toString('latin1'))) {
        budget = rule.serverBytes;
        if (budget === 0) return cut();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (budget === undefined) return void client.write(chunk);
      client.write(chunk.subarray(0, budget));
      budget -= Math.min(budget, chunk.length);
      if (budget === 0) cut();
    });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cutWhen(pattern: RegExp, serverBytes: number) {
      rule = { pattern, serverBytes };
    },
    get cuts() {
      return cuts;
    },
    /** How many commands matching `pattern` (global) the clients have sent so far. */
    count: (pattern: RegExp) => sent.match(pattern)?.length ?? 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let serial = 0;
/** A customer's mail as it sits in a mailbox. */
function mail(from: string, subject: string, body = 'Hello, I have a question about my invoice.') {
  serial += 1;
  return [
    `From: Customer <${from}>`,
    'To: support@imap.test',
    `Subject: ${subject}`,
    `Message-ID: <imap-${serial}-${process.pid}-${Date.now()}@customer.test>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

const SEEN = '\\Seen';

describe.skipIf(!(await dovecotAvailable())).each(await databaseKinds())('IMAP fetching on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let dovecot: Dovecot;
  let proxy: Awaited<ReturnType<typeof startCuttingProxy>>;
  const users: DovecotUser[] = ['plain', 'crash', 'drop', 'wrong', 'flood'].map((name) => ({ user: `${name}-${kind}`, password: `pw-${name}-${kind}` }));
  const [plainUser, crashUser, dropUser, wrongUser, floodUser] = users as [DovecotUser, DovecotUser, DovecotUser, DovecotUser, DovecotUser];

  const getInbox = async (inboxId: number) => (await call(t.app, a, { method: 'GET', url: `/api/inboxes/${inboxId}` })).body.inbox;
  const conversations = (inboxId: number) => listAll(t.app, a, `/api/conversations?inboxId=${inboxId}`);
  /** The customer's messages of a conversation (AI triage adds activity lines of its own). */
  const mailsOf = async (conversationId: number) =>
    (await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/messages` })).body.data.filter(
      (message: { messageType: string }) => message.messageType === 'incoming',
    );

  async function createInbox(name: string, imap: Record<string, unknown>) {
    const created = await call(t.app, a, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name, channelType: 'email', settings: { address: `${name}@${kind}.imap.test`, smtp: { host: '127.0.0.1', port: 2525, secure: false }, imap } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.inbox.id as number;
  }

  /** The state after the poll that ends after `since` (saving the inbox started one). */
  const polled = (inboxId: number, since: string | null = null) =>
    eventually(`a poll of inbox ${inboxId}`, async () => {
      const state = (await getInbox(inboxId)).settings.imapState;
      return state?.lastFetchAt && state.lastFetchAt !== since ? (state as { lastFetchAt: string; lastError: string | null }) : undefined;
    });

  /** Another poll now, as saving the mailbox settings starts one; answers its state. */
  async function pollAgain(inboxId: number, imap: Record<string, unknown> = { mailbox: 'INBOX' }) {
    const changed = await call(t.app, a, { method: 'PATCH', url: `/api/inboxes/${inboxId}`, payload: { settings: { imap } } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    return polled(inboxId);
  }

  const inboundSettled = () =>
    eventually('the fetched mail read', async () => {
      const { waiting = 0, delayed = 0, active = 0 } = (await t.queue.counts())['email-inbound'] ?? {};
      return waiting + delayed + active === 0 ? true : undefined;
    });

  beforeAll(async () => {
    dovecot = await startDovecot(users);
    proxy = await startCuttingProxy(dovecot.port);
    t = await createTestApp(
      kind,
      // Every other test's senders send one mail each: only the flood meets the limit.
      { EMAIL_ALLOW_PRIVATE_NETWORKS: 'true', EMAIL_TIMEOUT_MS: '15000', IMAP_POLL_INTERVAL_MS: '3600000', EMAIL_SENDER_RATE_LIMIT: '2' },
      { runWorkers: true },
    );
    a = await registerAccount(t.app, 'IMAP A');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await dovecot?.close();
  });

  it('turns unseen mail into conversations, flags it \\Seen, and fetches it once however often it polls', async () => {
    await dovecot.append(mail('ann@customer.test', 'First question'), { who: plainUser });
    await dovecot.append(mail('ben@customer.test', 'Second question'), { who: plainUser });
    await dovecot.append(mail('old@customer.test', 'Read already'), { who: plainUser, flags: [SEEN] });

    const inboxId = await createInbox('plain', dovecot.settings(plainUser));
    const first = await polled(inboxId);
    expect(first.lastError).toBeNull();
    const opened = await eventually('two conversations', async () => {
      const found = await conversations(inboxId);
      return found.length >= 2 ? found : undefined;
    });
    expect(opened.map((conversation) => conversation.contact.email).sort()).toEqual(['ann@customer.test', 'ben@customer.test']);
    expect((await mailsOf(opened[0]!.id))[0].email.subject).toMatch(/question$/);
    expect((await dovecot.messages('INBOX', plainUser)).every((message) => message.flags.includes(SEEN))).toBe(true);

    const again = await pollAgain(inboxId);
    expect(again.lastError).toBeNull();
    await inboundSettled();
    expect(await conversations(inboxId)).toHaveLength(2);
    for (const conversation of opened) expect(await mailsOf(conversation.id)).toHaveLength(1);
    // The next poll waits in the queue for its slot.
    const pending = await withTenant(t.database.db, { accountId: a.accountId }, (tx) =>
      tx
        .select({ key: jobs.key })
        .from(jobs)
        .where(and(eq(jobs.queue, 'email-imap-poll'), eq(jobs.state, 'waiting'), gt(jobs.runAt, new Date()))),
    );
    expect(pending.map((job) => job.key)).toContain(`${a.accountId}-${inboxId}-${Math.ceil(Date.now() / 3_600_000) * 3_600_000}`);
  });

  it('imports a message once when the connection is lost between storing it and flagging it \\Seen', async () => {
    await dovecot.append(mail('cat@customer.test', 'Lost on the way'), { who: crashUser });
    proxy.cutWhen(/UID STORE/i, 0);
    const inboxId = await createInbox('crash', { ...dovecot.settings(crashUser), port: proxy.port });
    const cut = await polled(inboxId);
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(cut.lastError).toMatch(/^127\.0\.0\.1:\d+ closed the connection while flagging message UID 1 as read$/);
    expect((await dovecot.messages('INBOX', crashUser))[0]!.flags).not.toContain(SEEN);
    await eventually('the stored message read', async () => ((await conversations(inboxId)).length === 1 ? true : undefined));

    const next = await pollAgain(inboxId);
    expect(next.lastError).toBeNull();
    expect((await dovecot.messages('INBOX', crashUser))[0]!.flags).toContain(SEEN);
    await inboundSettled();
    const [conversation, ...more] = await conversations(inboxId);
    expect(more).toHaveLength(0);
    expect(await mailsOf(conversation!.id)).toHaveLength(1);
  });

  it('records a connection dropped mid-fetch, imports nothing of that message, and takes it on the next poll', async () => {
    await dovecot.append(mail('dee@customer.test', 'A long story', `${'All of it matters. '.repeat(3_000)}\r\nThe end.`), { who: dropUser });
    proxy.cutWhen(/(BODY|BINARY)\.PEEK\[\]/i, 4_000);
    const inboxId = await createInbox('drop', { ...dovecot.settings(dropUser), port: proxy.port });
    const dropped = await polled(inboxId);
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(dropped.lastError).toMatch(/Could not talk to 127\.0\.0\.1:\d+|127\.0\.0\.1:\d+ answered/);
    await inboundSettled();
    expect(await conversations(inboxId)).toHaveLength(0);
    expect(await filesUnder(join(t.dataDir, 'attachments', String(a.accountId), 'inbound-mail'))).toEqual([]);
    expect((await dovecot.messages('INBOX', dropUser))[0]!.flags).not.toContain(SEEN);

    const next = await pollAgain(inboxId);
    expect(next.lastError).toBeNull();
    const conversation = await eventually('the long story in', async () => (await conversations(inboxId))[0]);
    const [message] = await mailsOf(conversation.id);
    const email = await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversation.id}/messages/${message.id}/email` });
    expect(email.body.fullText ?? message.content).toContain('The end.');
  });

  it('shows a refused login to the administrators and keeps polling', async () => {
    const inboxId = await createInbox('wrong', { ...dovecot.settings(wrongUser), password: 'not-the-password' });
    const refused = await polled(inboxId);
    expect(refused.lastError).toMatch(/refused the user name or password/);
    expect(refused.lastError).not.toContain('not-the-password');

    await dovecot.append(mail('eli@customer.test', 'After the fix'), { who: wrongUser });
    const fixed = await pollAgain(inboxId, { password: wrongUser.password });
    expect(fixed.lastError).toBeNull();
    await eventually('the mail in once the password is right', async () => ((await conversations(inboxId)).length === 1 ? true : undefined));
  });

  it("goes on past a sender over its hourly limit to newer mail, without downloading that sender's other messages", async () => {
    for (let n = 1; n <= 5; n++) await dovecot.append(mail('flood@customer.test', `Flood ${n}`), { who: floodUser });
    await dovecot.append(mail('fay@customer.test', 'Behind the flood'), { who: floodUser });
    const downloadsBefore = proxy.count(/(BODY|BINARY)\.PEEK\[\]/gi);
    const inboxId = await createInbox('flood', { ...dovecot.settings(floodUser), port: proxy.port });
    const first = await polled(inboxId);
    expect(first.lastError).toBeNull();
    await eventually("fay's mail in", async () => ((await conversations(inboxId)).some((c) => c.contact.email === 'fay@customer.test') ? true : undefined));
    await inboundSettled();
    // Two of the flood taken, the third refused for now, the last two left alone; the newer mail taken.
    expect((await dovecot.messages('INBOX', floodUser)).map((message) => message.flags.includes(SEEN))).toEqual([true, true, false, false, false, true]);
    expect(proxy.count(/(BODY|BINARY)\.PEEK\[\]/gi) - downloadsBefore).toBe(4);
    const senders = (await conversations(inboxId)).map((conversation) => conversation.contact.email);
    expect(senders.filter((sender) => sender === 'flood@customer.test').length).toBeGreaterThan(0);
  });
});
