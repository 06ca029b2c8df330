/**
 * Finding 4 of issue 11: access that ends (an agent removed, a session signed out or ended by a
 * password change) ends the sockets and feeds it opened at once, on every replica; a role
 * change re-establishes them. And finding 11: a room id beyond Postgres integers is refused
 * as any other room the socket may not join.
 */
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnections } from '../platform/redis.js';
import { buildTestApp, call, createTestApp, listen, registerAccount, type Session, type TestApp } from '../test-support/app.js';
import { bearer } from '../test-support/checks.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../test-support/databases.js';
import { connectTestRedis, redisAvailable, uniquePrefix } from '../test-support/redis.js';
import { connected, connectSocket, join, nextEvent, openFeed, recordEvents, refused } from '../test-support/sockets.js';
import { UNAUTHORIZED_ROOM } from './socket-server.js';

const PASSWORD = 'agent password 123';
let unique = 0;

/** An agent of the admin's account, logged in (a session of its own). */
async function addAgent(app: FastifyInstance, admin: Session) {
  const email = `revoked.${++unique}.${process.pid}.${Date.now()}@example.com`;
  const created = await call(app, admin, { method: 'POST', url: '/api/agents', payload: { name: 'Rev Oked', email, password: PASSWORD } });
  expect(created.status).toBe(201);
  const login = await call(app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
  return { email, session: { token: login.body.token, accountId: admin.accountId, userId: login.body.user.id, auth: bearer(login.body.token) } as Session };
}

/** Resolves with the close code once the feed's server closes it. */
const closedWith = (ws: import('ws').WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe.each(await databaseKinds())('ended access on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let admin: Session;
  const sockets: Socket[] = [];
  const open = (token: string) => {
    const socket = connectSocket(url, token, { reconnection: false });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    url = await listen(t.app);
    admin = await registerAccount(t.app, 'Revocations');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await t?.close();
  });

  it('disconnects a removed agent’s socket and feed at once, and refuses them afterwards', async () => {
    const { session } = await addAgent(t.app, admin);
    const socket = open(session.token);
    await connected(socket);
    const feed = await openFeed(url, session.token, '/ws');
    await feed.opened;
    const seen = recordEvents(socket);
    const revoked = nextEvent<string>(socket, 'auth:revoked');
    const disconnected = nextEvent<string>(socket, 'disconnect');
    const feedClosed = closedWith(feed.ws);

    expect((await call(t.app, admin, { method: 'DELETE', url: `/api/agents/${session.userId}` })).status).toBe(204);
    expect(await revoked).toBe('removed');
    expect(await disconnected).toBe('io server disconnect');
    expect(await feedClosed).toBe(4003);

    // Later events of the account (a private note among them) reach neither.
    const conversation = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'After' }, message: { content: 'After removal' } },
    });
    await call(t.app, admin, {
      method: 'POST',
      url: `/api/conversations/${conversation.body.conversation.id}/messages`,
      payload: { content: 'secret note', private: true },
    });
    expect(seen.map((entry) => entry.event)).toEqual(['auth:revoked']);
    expect(feed.received).toEqual([]);
    // The token opens nothing any more.
    expect((await refused(open(session.token))).message).toMatch(/no longer a member/);
    await expect(openFeed(url, session.token, '/ws').then((again) => again.opened)).rejects.toThrow(/401/);
  });

  it('reconnects an agent whose role changed under the new role', async () => {
    const { session } = await addAgent(t.app, admin);
    const socket = open(session.token);
    await connected(socket);
    const revoked = nextEvent<string>(socket, 'auth:revoked');
    await call(t.app, admin, { method: 'PATCH', url: `/api/agents/${session.userId}`, payload: { role: 'administrator' } });
    expect(await revoked).toBe('role_changed');
    // The token still works: the client connects again and is an administrator now.
    const again = open(session.token);
    await connected(again);
    expect(await join(again, `account:${admin.accountId}`)).toEqual({ success: true });
  });

  it('ends the sockets of the other sessions when the password changes, and of a signed-out session', async () => {
    const { email, session: here } = await addAgent(t.app, admin);
    const other = await call(t.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    const hereSocket = open(here.token);
    const otherSocket = open(other.body.token);
    await Promise.all([connected(hereSocket), connected(otherSocket)]);
    const otherEnded = nextEvent<string>(otherSocket, 'auth:revoked');
    const changed = await call(t.app, here, { method: 'PATCH', url: '/api/auth/me', payload: { password: 'a brand new password', currentPassword: PASSWORD } });
    expect(changed.status).toBe(200);
    expect(await otherEnded).toBe('session_revoked');
    expect(hereSocket.connected).toBe(true);
    expect(await join(hereSocket, `account:${admin.accountId}`)).toEqual({ success: true });

    const signedOut = nextEvent<string>(hereSocket, 'auth:revoked');
    expect((await call(t.app, here, { method: 'POST', url: '/api/auth/logout' })).status).toBe(204);
    expect(await signedOut).toBe('signed_out');
  });

  it('refuses a room id beyond Postgres integers as an unauthorized room (finding 11)', async () => {
    const socket = open(admin.token);
    await connected(socket);
    for (const room of ['conversation:9999999999', 'team:2147483648', 'account:9999999999']) {
      expect(await join(socket, room), room).toEqual({ error: UNAUTHORIZED_ROOM });
    }
    expect(await join(socket, `account:${admin.accountId}`)).toEqual({ success: true });
  });
});

const scaledOut = (await databaseKinds()).includes('postgres') && (await redisAvailable());

describe.runIf(scaledOut)('ended access across replicas', () => {
  let testDb: TestDatabase;
  const replicas: { app: FastifyInstance; url: string; redis: RedisConnections }[] = [];
  const sockets: Socket[] = [];
  let admin: Session;

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    const prefix = uniquePrefix();
    for (const instance of ['api_1', 'api_2']) {
      const redis = connectTestRedis();
      const app = await buildTestApp(testDb.database, { HUMMDESK_INSTANCE: instance, HUMMDESK_REDIS_PREFIX: prefix }, redis);
      replicas.push({ app, url: await listen(app), redis });
    }
    admin = await registerAccount(replicas[0]!.app, 'Replicated Revocations');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const replica of replicas) {
      await replica.app.close();
      await replica.redis.close();
    }
    await testDb?.drop();
  });

  it('removing an agent on replica 1 closes its socket and feed on replica 2', async () => {
    const [one, two] = replicas as [(typeof replicas)[number], (typeof replicas)[number]];
    const { session } = await addAgent(one.app, admin);
    const socket = connectSocket(two.url, session.token, { reconnection: false });
    sockets.push(socket);
    await connected(socket);
    const feed = await openFeed(two.url, session.token, '/ws');
    await feed.opened;
    const revoked = nextEvent<string>(socket, 'auth:revoked');
    const feedClosed = closedWith(feed.ws);

    expect((await call(one.app, admin, { method: 'DELETE', url: `/api/agents/${session.userId}` })).status).toBe(204);
    expect(await revoked).toBe('removed');
    expect(await feedClosed).toBe(4003);
    // The administrator's own socket on replica 2 is untouched and still hears the account.
    const adminSocket = connectSocket(two.url, admin.token, { reconnection: false });
    sockets.push(adminSocket);
    await connected(adminSocket);
    const created = nextEvent(adminSocket, 'conversation:created');
    await call(one.app, admin, { method: 'POST', url: '/api/conversations', payload: { contact: { name: 'Still here' }, message: { content: 'Hello' } } });
    await created;
  });
});
