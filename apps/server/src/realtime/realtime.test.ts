import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { databaseKinds } from '../test-support/databases.js';
import { call, createTestApp, listen, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../test-support/app.js';
import { connected, connectSocket, dropConnection, join, nextEvent, openFeed, recordEvents, refused } from '../test-support/sockets.js';
import { decodeJwt, signHs256 as signJwt } from '../test-support/checks.js';

describe.each(await databaseKinds())('realtime on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let a: Session;
  let b: Session;
  const sockets: Socket[] = [];
  const open = async (token: string | undefined, options: Record<string, unknown> = {}) => {
    const socket = connectSocket(url, token, options);
    sockets.push(socket);
    return socket;
  };
  const openConversation = (session: Session, content: string) =>
    call(t.app, session, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'Rita Realtime' }, message: { content } } });

  beforeAll(async () => {
    t = await createTestApp(kind);
    url = await listen(t.app);
    a = await registerAccount(t.app, 'Realtime A');
    b = await registerAccount(t.app, 'Realtime B');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  it('refuses a handshake without a valid token', async () => {
    expect((await refused(await open(undefined))).message).toMatch(/Authentication required/);
    expect((await refused(await open('not-a-jwt'))).message).toMatch(/Invalid or expired token/);
    const forged = signJwt({ sub: String(a.userId), acc: a.accountId }, 'some-other-secret-that-is-long-enough-0123');
    expect((await refused(await open(forged))).message).toMatch(/Invalid or expired token/);
    const expired = signJwt({ sub: String(a.userId), acc: a.accountId, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET);
    expect((await refused(await open(expired))).message).toMatch(/Invalid or expired token/);
    // A's own session, with B's account in the claims: the signature is right, the membership is not.
    const strangerAccount = signJwt({ ...decodeJwt(a.token), acc: b.accountId }, TEST_JWT_SECRET);
    expect((await refused(await open(strangerAccount))).message).toMatch(/no longer a member/);
  });

  it('answers joins exactly as the brief shows, checking rooms against the account', async () => {
    const socket = await open(a.token);
    await connected(socket);
    const own = (await openConversation(a, 'Room check')).body.conversation.id;
    const foreign = (await openConversation(b, 'Not yours')).body.conversation.id;
    const ownTeam = (await call(t.app, a, { method: 'POST', url: '/api/teams', payload: { name: 'Realtime team' } })).body.team.id;
    const foreignTeam = (await call(t.app, b, { method: 'POST', url: '/api/teams', payload: { name: 'Other team' } })).body.team.id;

    expect(await join(socket, `account:${a.accountId}`)).toEqual({ success: true });
    expect(await join(socket, `account:${b.accountId}`)).toEqual({ error: 'Unauthorized room access' });
    expect(await join(socket, `conversation:${own}`)).toEqual({ success: true });
    expect(await join(socket, `conversation:${foreign}`)).toEqual({ error: 'Unauthorized room access' });
    expect(await join(socket, `team:${ownTeam}`)).toEqual({ success: true });
    expect(await join(socket, `team:${foreignTeam}`)).toEqual({ error: 'Unauthorized room access' });
    expect(await join(socket, `user:${b.userId}`)).toEqual({ error: 'Unauthorized room access' });
    for (const malformed of ['account:', 'account:abc', 'account:1 OR 1=1', 'accounts:1', `account:${a.accountId}x`, '', 42, null, { room: 1 }]) {
      expect(await join(socket, malformed), JSON.stringify(malformed)).toEqual({ error: 'Invalid room name' });
    }
  });

  it('delivers an account event to its sockets and never to another account', async () => {
    const socketA = await open(a.token);
    const socketB = await open(b.token);
    await Promise.all([connected(socketA), connected(socketB)]);
    const seenByB = recordEvents(socketB);
    const created = nextEvent(socketA, 'conversation:created');
    const message = nextEvent(socketA, 'message:new');
    const response = await openConversation(a, 'Secret of account A');
    const conversationId = response.body.conversation.id;
    const envelope = await created;
    expect(envelope).toMatchObject({ event: 'conversation:created', accountId: a.accountId, data: { conversation: { id: conversationId } } });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(envelope.timestamp)).not.toBeNaN();
    expect(await message).toMatchObject({
      event: 'message:new',
      accountId: a.accountId,
      data: { conversationId, message: { content: 'Secret of account A', messageType: 'incoming' } },
    });

    const updated = nextEvent(socketA, 'conversation:updated');
    await call(t.app, a, { method: 'PATCH', url: `/api/conversations/${conversationId}`, payload: { status: 'resolved' } });
    expect((await updated).data.conversation).toMatchObject({ id: conversationId, status: 'resolved' });

    // B's socket is connected and would have had ample time: a later event of B proves its
    // stream is flowing, and nothing of A's arrived before it.
    const own = nextEvent(socketB, 'conversation:created');
    await openConversation(b, 'B event');
    await own;
    expect(seenByB.map((e) => e.payload.accountId)).not.toContain(a.accountId);
    expect(JSON.stringify(seenByB)).not.toContain('Secret of account A');
  });

  it('does not announce a change that was refused', async () => {
    const socket = await open(a.token);
    await connected(socket);
    const seen = recordEvents(socket);
    const id = (await openConversation(a, 'No phantom events')).body.conversation.id;
    await nextEvent(socket, 'message:new', undefined, (e: any) => e.data.conversationId === id);
    const refusedPatch = await call(t.app, a, { method: 'PATCH', url: `/api/conversations/${id}`, payload: { status: 'resolved', assigneeId: 999_999 } });
    expect(refusedPatch.status).toBe(422);
    const marker = nextEvent(socket, 'conversation:created');
    await openConversation(a, 'marker');
    await marker;
    expect(seen.filter((e) => e.event === 'conversation:updated' && e.payload.data.conversation.id === id)).toEqual([]);
  });

  it('ignores unknown events, garbage packets and join floods without harming other sockets', async () => {
    const rude = await open(a.token);
    const bystander = await open(a.token);
    await Promise.all([connected(rude), connected(bystander)]);
    rude.emit('drop table', { a: 1 });
    rude.emit('join'); // no room, no ack
    const answers = await Promise.all(Array.from({ length: 40 }, () => join(rude, `account:${a.accountId}`)));
    expect(answers.filter((answer) => answer.error === 'Too many joins').length).toBeGreaterThan(0);
    // A malformed packet closes only the connection that sent it.
    (rude.io.engine as unknown as { write(data: string): void }).write('9{garbage');
    const event = nextEvent(bystander, 'conversation:created');
    await openConversation(a, 'Still here');
    expect((await event).data.conversation.lastMessage.content).toBe('Still here');
    expect((await call(t.app, undefined, { method: 'GET', url: '/health' })).status).toBe(200);
  });

  it('disconnects a socket when its token expires', async () => {
    // A token that expires in a few seconds; should its handshake take longer than that (a
    // loaded machine), the next one lives twice as long, so the socket is certainly connected first.
    for (let lifetime = 3; ; lifetime *= 2) {
      const shortLived = signJwt({ ...decodeJwt(a.token), exp: Math.floor(Date.now() / 1000) + lifetime }, TEST_JWT_SECRET);
      const socket = await open(shortLived, { reconnection: false });
      // Listening before the handshake ends: the expiry may follow it at once.
      const expired = nextEvent(socket, 'auth:expired');
      const disconnected = nextEvent(socket, 'disconnect');
      for (const waiting of [expired, disconnected]) waiting.catch(() => undefined);
      const handshake = await connected(socket).then(
        () => undefined,
        (error: Error) => error,
      );
      if (handshake) {
        expect(handshake.message).toMatch(/Invalid or expired token/);
        expect(lifetime, 'every token expired before its handshake finished').toBeLessThan(48);
        socket.disconnect();
        continue;
      }
      await expired;
      expect(await disconnected).toBe('io server disconnect');
      return;
    }
  });

  it("serves a plain WebSocket feed of the token's account only (wscat)", async () => {
    const feedA = await openFeed(url, a.token);
    const feedB = await openFeed(url, b.token, '/ws');
    await Promise.all([feedA.opened, feedB.opened]);
    const id = (await openConversation(a, 'Feed me')).body.conversation.id;
    const envelope = await feedA.next((e) => e.event === 'message:new' && e.data.conversationId === id);
    expect(envelope).toMatchObject({ accountId: a.accountId, data: { message: { content: 'Feed me' } } });
    feedA.ws.send('{"event":"join","data":"account:1"}'); // read-only: ignored
    const idB = (await openConversation(b, 'B feed marker')).body.conversation.id;
    await feedB.next((e) => e.event === 'message:new' && e.data.conversationId === idB);
    expect(feedB.received.some((e) => e.accountId === a.accountId)).toBe(false);
    await expect((await openFeed(url, undefined)).opened).rejects.toThrow('HTTP 401');
    await expect((await openFeed(url, 'forged.token.here')).opened).rejects.toThrow('HTTP 401');
    await expect((await openFeed(url, a.token, '/not-a-feed')).opened).rejects.toThrow();
    feedA.ws.close();
    feedB.ws.close();
  });

  it('sends a reconnecting client what it missed while its connection was down', async () => {
    const socket = await open(a.token);
    await connected(socket);
    const id = (await openConversation(a, 'Before the drop')).body.conversation.id;
    await nextEvent(socket, 'message:new', undefined, (e: any) => e.data.conversationId === id);

    await dropConnection(socket);
    await call(t.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'Sent while you were away' } });

    const missed = nextEvent(socket, 'message:new', undefined, (e: any) => e.data.message.content === 'Sent while you were away');
    socket.connect();
    await connected(socket);
    expect(socket.recovered).toBe(true);
    expect((await missed).data.conversationId).toBe(id);
  });
});
