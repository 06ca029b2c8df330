/**
 * Contacts' sockets with a real socket.io-client: a customer hears agents' replies and the
 * conversation's status in the public shape, never a private note, an agent's internal field,
 * another contact's or another account's event; cannot join a room; typing goes both ways. Then
 * the same across two replicas and a worker process over real Redis.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { RedisConnections } from '../platform/redis.js';
import { buildTestApp, call, createTestApp, listen, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../test-support/app.js';
import { snoozeSoon } from '../test-support/checks.js';
import { eventually } from '../test-support/eventually.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../test-support/databases.js';
import { connectTestRedis, redisAvailable, uniquePrefix, REDIS_URL } from '../test-support/redis.js';
import { connected, connectSocket, join, nextEvent, recordEvents, refused } from '../test-support/sockets.js';

const SHOP = 'https://shop.example.com';
const PUBLIC_KEYS = ['attachments', 'content', 'conversationId', 'createdAt', 'id', 'messageType', 'sender'];
const CONVERSATION_KEYS = ['agentName', 'createdAt', 'id', 'lastActivityAt', 'status'];

interface Visitor {
  identifier: string;
  token: string;
  inbox: string;
}

/** Helpers over one or more API processes of one database. */
function contactsOf(apps: () => { app: FastifyInstance; url: string }, sockets: Socket[]) {
  return {
    async visitor(inbox: string, name: string): Promise<Visitor> {
      const created = await call(apps().app, undefined, { method: 'POST', url: `/api/public/inboxes/${inbox}/contacts`, payload: { name } });
      expect(created.status).toBe(201);
      return { identifier: created.body.contact.identifier, token: created.body.token, inbox };
    },
    async converse(visitor: Visitor, content: string): Promise<number> {
      const opened = await call(apps().app, undefined, {
        method: 'POST',
        url: `/api/public/inboxes/${visitor.inbox}/contacts/${visitor.identifier}/conversations`,
        headers: { authorization: `Bearer ${visitor.token}` },
        payload: { message: { content } },
      });
      expect(opened.status).toBe(201);
      return opened.body.conversation.id;
    },
    /** A contact socket, as the widget opens it. */
    socket(url: string, auth: Record<string, unknown>, origin?: string) {
      const socket = io(`${url}/contacts`, {
        auth,
        transports: ['websocket'],
        reconnectionDelay: 100,
        ...(origin ? { extraHeaders: { origin } } : {}),
      });
      sockets.push(socket);
      return socket;
    },
  };
}

describe.each(await databaseKinds())('contact realtime on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let a: Session;
  let b: Session;
  let widget: { id: number; identifier: string };
  let apiInbox: { identifier: string };
  let foreign: { identifier: string };
  const sockets: Socket[] = [];
  const contacts = contactsOf(() => ({ app: t.app, url }), sockets);
  const agentSocket = (session: Session) => {
    const socket = connectSocket(url, session.token);
    sockets.push(socket);
    return socket;
  };
  const reply = (session: Session, id: number, content: string, isPrivate = false) =>
    call(t.app, session, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content, private: isPrivate } });

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    url = await listen(t.app);
    a = await registerAccount(t.app, 'Contact realtime A');
    b = await registerAccount(t.app, 'Contact realtime B');
    const inbox = (session: Session, payload: object) => call(t.app, session, { method: 'POST', url: '/api/inboxes', payload }).then((r) => r.body.inbox);
    widget = await inbox(a, { name: 'Website', channelType: 'web_widget', settings: { allowedOrigins: [SHOP] } });
    apiInbox = await inbox(a, { name: 'App', channelType: 'api' });
    foreign = await inbox(b, { name: 'Theirs', channelType: 'web_widget', settings: { allowedOrigins: [SHOP] } });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  it('accepts a contact token of this inbox from an allowed website, and refuses the rest', async () => {
    const vera = await contacts.visitor(widget.identifier, 'Vera');
    const app = await contacts.visitor(apiInbox.identifier, 'App user');
    const theirs = await contacts.visitor(foreign.identifier, 'Theirs');

    await connected(contacts.socket(url, { inbox: widget.identifier, token: vera.token }));
    await connected(contacts.socket(url, { inbox: widget.identifier, token: vera.token }, SHOP));
    const cases: [Record<string, unknown>, string | undefined, RegExp][] = [
      [{}, undefined, /Send auth/],
      [{ inbox: widget.identifier }, undefined, /Send auth/],
      [{ inbox: widget.identifier, token: 'forged.token.value' }, undefined, /invalid or has expired/],
      [{ inbox: widget.identifier, token: a.token }, undefined, /invalid or has expired/],
      [{ inbox: widget.identifier, token: app.token }, undefined, /another inbox/],
      [{ inbox: widget.identifier, token: theirs.token }, undefined, /another inbox/],
      [{ inbox: foreign.identifier, token: vera.token }, undefined, /another inbox/],
      [{ inbox: 'f'.repeat(32), token: vera.token }, undefined, /No inbox/],
      [{ inbox: widget.identifier, token: vera.token }, 'https://evil.example', /does not accept/],
      [{ inbox: apiInbox.identifier, token: app.token }, SHOP, /does not accept/],
    ];
    for (const [auth, origin, message] of cases) {
      expect((await refused(contacts.socket(url, auth, origin))).message, JSON.stringify(auth) + origin).toMatch(message);
    }
    // A contact token does not open an agent's socket.
    expect((await refused(connectSocket(url, vera.token))).message).toMatch(/Invalid or expired token/);
  });

  it("delivers agents' replies and the conversation's state in the public shape, never notes or internal fields", async () => {
    const vera = await contacts.visitor(widget.identifier, 'Vera Realtime');
    const agent = agentSocket(a);
    const veraSocket = contacts.socket(url, { inbox: widget.identifier, token: vera.token }, SHOP);
    await Promise.all([connected(agent), connected(veraSocket)]);
    const heardByVera = recordEvents(veraSocket);

    // The customer's first message reaches the agents like any, and AI triage classifies it.
    const arrived = nextEvent(agent, 'message:new', undefined, (e: any) => e.data.message.content === 'My card was charged twice');
    const id = await contacts.converse(vera, 'My card was charged twice');
    expect((await arrived).data.conversationId).toBe(id);
    await nextEvent(agent, 'ai:classification', 120_000, (e: any) => e.data.conversationId === id);

    await reply(a, id, 'Note: refund pending in finance', true);
    const delivered = nextEvent(veraSocket, 'message:new', undefined, (e: any) => e.message.content === 'We will refund you today');
    await reply(a, id, 'We will refund you today');
    const { conversationId, message } = await delivered;
    expect(conversationId).toBe(id);
    expect(Object.keys(message).sort()).toEqual(PUBLIC_KEYS);
    expect(message).toMatchObject({ messageType: 'outgoing', sender: { type: 'agent', name: expect.stringMatching(/^Admin \d+$/) }, attachments: [] });

    const assigned = nextEvent(veraSocket, 'conversation:updated', undefined, (e: any) => e.conversation.status === 'resolved');
    await call(t.app, a, { method: 'PATCH', url: `/api/conversations/${id}`, payload: { assigneeId: a.userId, status: 'resolved' } });
    const { conversation } = await assigned;
    expect(Object.keys(conversation).sort()).toEqual(CONVERSATION_KEYS);
    expect(conversation).toMatchObject({ id, status: 'resolved', agentName: expect.stringMatching(/^Admin \d+$/) });

    const heard = JSON.stringify(heardByVera);
    expect(heard).not.toMatch(/refund pending|private|assigneeId|category|sentiment|accountId|Assigned to|marked resolved|classification/);
    // Her own message too (another tab of hers shows it), and nothing else.
    expect(heardByVera.filter((e) => e.event === 'message:new').map((e) => e.payload.message.content)).toEqual([
      'My card was charged twice',
      'We will refund you today',
    ]);
  });

  it("keeps a contact's socket out of other contacts', other accounts' and agents' rooms", async () => {
    const [alice, bob] = [await contacts.visitor(widget.identifier, 'Alice'), await contacts.visitor(widget.identifier, 'Bob')];
    const aliceId = await contacts.converse(alice, 'Alice asks');
    const bobId = await contacts.converse(bob, 'Bob asks');
    const bobSocket = contacts.socket(url, { inbox: widget.identifier, token: bob.token });
    await connected(bobSocket);
    const heardByBob = recordEvents(bobSocket);
    // No way in: joins are not answered, whatever the room.
    bobSocket.emit('join', `account:${a.accountId}`);
    bobSocket.emit('join', `conversation:${aliceId}`);
    bobSocket.emit('join', `contact-inbox:1`);

    await reply(a, aliceId, 'For Alice only');
    await call(t.app, a, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'Walk-in' }, message: { content: 'Account-wide news' } } });
    await call(t.app, b, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'B customer' }, message: { content: 'Other account' } } });
    // Bob's own reply comes after all of them; nothing else reached him before it.
    const own = nextEvent(bobSocket, 'message:new', undefined, (e: any) => e.message.content === 'For Bob');
    await reply(a, bobId, 'For Bob');
    await own;
    // Only his own conversation's events (AI triage may have changed it meanwhile).
    expect(heardByBob.map((e) => e.payload.conversationId ?? e.payload.conversation.id)).toEqual(heardByBob.map(() => bobId));
    expect(JSON.stringify(heardByBob)).not.toMatch(/Alice|Account-wide|Other account/);
  }, 60_000);

  it('carries typing both ways: the contact’s to the agents in the room, the agent’s (with a name) to the contact', async () => {
    const [carol, dave] = [await contacts.visitor(widget.identifier, 'Carol'), await contacts.visitor(widget.identifier, 'Dave')];
    const id = await contacts.converse(carol, 'Typing test');
    const carolSocket = contacts.socket(url, { inbox: widget.identifier, token: carol.token });
    const daveSocket = contacts.socket(url, { inbox: widget.identifier, token: dave.token });
    const agent = agentSocket(a);
    const otherAgent = agentSocket(b);
    await Promise.all([connected(carolSocket), connected(daveSocket), connected(agent), connected(otherAgent)]);
    expect(await join(agent, `conversation:${id}`)).toEqual({ success: true });
    const heardByAgent = recordEvents(agent);
    const heardByDave = recordEvents(daveSocket);
    const heardByOther = recordEvents(otherAgent);

    // Dave cannot type into Carol's conversation; Carol can.
    daveSocket.emit('typing', { conversationId: id, typing: true });
    const typing = nextEvent(agent, 'contact:typing');
    carolSocket.emit('typing', { conversationId: id, typing: true });
    expect(await typing).toMatchObject({ event: 'contact:typing', accountId: a.accountId, data: { conversationId: id, typing: true } });
    expect(heardByAgent.filter((e) => e.event === 'contact:typing')).toHaveLength(1);

    const agentTyping = nextEvent(carolSocket, 'typing');
    agent.emit('typing', { conversationId: id, typing: true });
    expect(await agentTyping).toEqual({ conversationId: id, typing: true, name: expect.stringMatching(/^Admin \d+$/) });
    // Another account's agent naming the conversation reaches no one.
    otherAgent.emit('typing', { conversationId: id, typing: true });
    for (const junk of [null, 'x', { conversationId: 'abc', typing: true }, { conversationId: id }, { conversationId: -1, typing: false }])
      carolSocket.emit('typing', junk);

    // A held key is not a flood: ten events in five seconds reach the agents, the rest are dropped.
    // The budget has at least nine left for the 30 (ten if a new window began), and the 30 may
    // straddle two windows: between 9 and 20 of them arrive, never all. Waiting for the ninth is a
    // state; the marker's round trip afterwards lets any stragglers of the burst arrive.
    const typings = () => heardByAgent.filter((e) => e.event === 'contact:typing');
    for (let i = 0; i < 30; i++) carolSocket.emit('typing', { conversationId: id, typing: i % 2 === 0 });
    await eventually('nine of the 30 typing events to reach the agent', () => (typings().length >= 1 + 9 ? true : undefined));
    const marker = nextEvent(agent, 'message:new', undefined, (e: any) => e.data.message.content === 'marker');
    await call(t.app, undefined, {
      method: 'POST',
      url: `/api/public/inboxes/${widget.identifier}/contacts/${carol.identifier}/conversations/${id}/messages`,
      headers: { authorization: `Bearer ${carol.token}` },
      payload: { content: 'marker' },
    });
    await marker;
    expect(typings().length).toBeLessThanOrEqual(1 + 20);
    expect(heardByDave.filter((e) => e.event === 'typing')).toEqual([]);
    expect(heardByOther.filter((e) => e.event === 'contact:typing')).toEqual([]);
  });

  it('ends contacts’ sockets when their contact is deleted or their inbox’s settings change, and checks them anew on reconnecting', async () => {
    const shop = await call(t.app, a, {
      method: 'POST',
      url: '/api/inboxes',
      payload: { name: 'Shop', channelType: 'web_widget', settings: { allowedOrigins: [SHOP] } },
    }).then((r) => r.body.inbox);
    const [vera, walt] = [await contacts.visitor(shop.identifier, 'Vera'), await contacts.visitor(shop.identifier, 'Walt')];
    const bystander = await contacts.visitor(widget.identifier, 'Bystander');
    const veraSocket = contacts.socket(url, { inbox: shop.identifier, token: vera.token }, SHOP);
    const waltSocket = contacts.socket(url, { inbox: shop.identifier, token: walt.token }, SHOP);
    const bystanderSocket = contacts.socket(url, { inbox: widget.identifier, token: bystander.token });
    await Promise.all([veraSocket, waltSocket, bystanderSocket].map((socket) => connected(socket)));
    const ended = (socket: Socket) => nextEvent<string>(socket, 'disconnect');
    const changeSettings = async (settings: object) =>
      expect((await call(t.app, a, { method: 'PATCH', url: `/api/inboxes/${shop.id}`, payload: { settings } })).status).toBe(200);

    // The contact deleted: their socket ends and cannot come back.
    const waltConversation = await contacts.converse(walt, 'Forget me');
    const waltId = (await call(t.app, a, { method: 'GET', url: `/api/conversations/${waltConversation}` })).body.conversation.contact.id;
    const waltEnded = ended(waltSocket);
    expect((await call(t.app, a, { method: 'DELETE', url: `/api/contacts/${waltId}` })).status).toBe(204);
    expect(await waltEnded).toBe('io server disconnect');
    expect((await refused(waltSocket.connect())).message).toMatch(/no longer exists/);

    // The inbox's websites change: its sockets end (another inbox's stay) and come back only from a website still allowed.
    let veraEnded = ended(veraSocket);
    await changeSettings({ allowedOrigins: ['https://new-shop.example'] });
    expect(await veraEnded).toBe('io server disconnect');
    expect(bystanderSocket.connected).toBe(true);
    expect((await refused(veraSocket.connect())).message).toMatch(/does not accept/);
    await changeSettings({ allowedOrigins: [SHOP] });
    await connected(veraSocket.connect());

    // Identities now required: an unsigned visitor's socket ends and is refused.
    veraEnded = ended(veraSocket);
    await changeSettings({ requireIdentity: true });
    expect(await veraEnded).toBe('io server disconnect');
    expect((await refused(veraSocket.connect())).message).toMatch(/identity/);
    expect(bystanderSocket.connected).toBe(true);
  });
});

const scaledOut = (await databaseKinds()).includes('postgres') && (await redisAvailable());

describe.runIf(scaledOut)('contact realtime across replicas and a worker over Redis', () => {
  let testDb: TestDatabase;
  const replicas: { app: FastifyInstance; url: string; redis: RedisConnections }[] = [];
  const sockets: Socket[] = [];
  const prefix = uniquePrefix();
  let a: Session;
  let widget: { identifier: string };
  const contacts = contactsOf(() => replicas[1]!, sockets);

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    for (const instance of ['api_1', 'api_2']) {
      const redis = connectTestRedis(REDIS_URL);
      const app = await buildTestApp(testDb.database, { HUMMDESK_INSTANCE: instance, HUMMDESK_REDIS_PREFIX: prefix }, redis);
      replicas.push({ app, url: await listen(app), redis });
    }
    a = await registerAccount(replicas[0]!.app, 'Replicated contacts');
    widget = (await call(replicas[0]!.app, a, { method: 'POST', url: '/api/inboxes', payload: { name: 'Website', channelType: 'web_widget' } })).body.inbox;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const replica of replicas) {
      await replica.app.close();
      await replica.redis.close();
    }
    await testDb?.drop();
  });

  it('reaches a contact on replica 1 from an agent on replica 2, and typing crosses both ways', async () => {
    const [one, two] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
    const vera = await contacts.visitor(widget.identifier, 'Vera Replica');
    const id = await contacts.converse(vera, 'Across replicas');
    const veraSocket = contacts.socket(one.url, { inbox: widget.identifier, token: vera.token });
    const agent = connectSocket(two.url, a.token);
    sockets.push(agent);
    await Promise.all([connected(veraSocket), connected(agent)]);
    expect(await join(agent, `conversation:${id}`)).toEqual({ success: true });

    const delivered = nextEvent(veraSocket, 'message:new', undefined, (e: any) => e.message.content === 'From replica 2');
    await call(two.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'From replica 2' } });
    expect((await delivered).message.sender.type).toBe('agent');

    const agentTyping = nextEvent(veraSocket, 'typing');
    agent.emit('typing', { conversationId: id, typing: true });
    expect((await agentTyping).typing).toBe(true);
    const contactTyping = nextEvent(agent, 'contact:typing');
    veraSocket.emit('typing', { conversationId: id, typing: true });
    expect((await contactTyping).data).toEqual({ conversationId: id, typing: true });
  });

  it('ends a contact’s socket on replica 1 when replica 2 deletes the contact', async () => {
    const [one, two] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
    const vera = await contacts.visitor(widget.identifier, 'Vera Erased');
    const id = await contacts.converse(vera, 'Erase me');
    const veraSocket = contacts.socket(one.url, { inbox: widget.identifier, token: vera.token });
    await connected(veraSocket);
    const contactId = (await call(two.app, a, { method: 'GET', url: `/api/conversations/${id}` })).body.conversation.contact.id;
    const ended = nextEvent<string>(veraSocket, 'disconnect');
    expect((await call(two.app, a, { method: 'DELETE', url: `/api/contacts/${contactId}` })).status).toBe(204);
    expect(await ended).toBe('io server disconnect');
  });

  it('tells a contact what a worker process changed (a snooze ending reopens the conversation)', async () => {
    const { runWorker } = await import('../worker.js');
    const config = loadConfig({ HUMMDESK_REDIS_PREFIX: prefix, HUMMDESK_DATA_DIR: '/tmp/hummdesk-test-unused', QUEUE_CONCURRENCY: '2' });
    const workerRedis = connectTestRedis(REDIS_URL);
    const worker = await runWorker(testDb.database, workerRedis, config, pino({ level: 'silent' }), TEST_JWT_SECRET);
    try {
      const vera = await contacts.visitor(widget.identifier, 'Vera Snoozed');
      const id = await contacts.converse(vera, 'Wake me up');
      const veraSocket = contacts.socket(replicas[0]!.url, { inbox: widget.identifier, token: vera.token });
      await connected(veraSocket);
      const reopened = nextEvent(veraSocket, 'conversation:updated', 60_000, (e: any) => e.conversation.id === id && e.conversation.status === 'open');
      await snoozeSoon(replicas[1]!.app, a, id, 1_000);
      expect(Object.keys((await reopened).conversation).sort()).toEqual(CONVERSATION_KEYS);
    } finally {
      await worker.close();
      await workerRedis.close();
    }
  });
});
