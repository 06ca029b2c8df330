/**
 * Two API replicas on one Postgres, carrying events over real Redis (the streams adapter):
 * what one replica commits reaches the sockets of the other, never another account's, and
 * survives Redis restarting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'socket.io-client';
import type { RedisConnections } from '../platform/redis.js';
import { buildTestApp, call, listen, registerAccount, TEST_JWT_SECRET, type Session } from '../test-support/app.js';
import { eventually, snoozeSoon } from '../test-support/checks.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../test-support/databases.js';
import { connectTestRedis, privateRedis, redisAvailable, uniquePrefix, REDIS_URL } from '../test-support/redis.js';
import { connected, connectSocket, dropConnection, nextEvent, openFeed, recordEvents } from '../test-support/sockets.js';

const runs = (await databaseKinds()).includes('postgres') && (await redisAvailable());

async function replicas(testDb: TestDatabase, redisUrl: string, prefix: string, env: Record<string, string> = {}) {
  const made: { app: FastifyInstance; url: string; redis: RedisConnections }[] = [];
  for (const instance of ['api_1', 'api_2']) {
    const redis = connectTestRedis(redisUrl);
    const app = await buildTestApp(testDb.database, { HUMMDESK_INSTANCE: instance, HUMMDESK_REDIS_PREFIX: prefix, ...env }, redis);
    made.push({ app, url: await listen(app), redis });
  }
  return made;
}

describe.runIf(runs)('two replicas over Redis', () => {
  let testDb: TestDatabase;
  let one: Awaited<ReturnType<typeof replicas>>[number];
  let two: Awaited<ReturnType<typeof replicas>>[number];
  let a: Session;
  let b: Session;
  const sockets: Socket[] = [];
  const prefix = uniquePrefix();

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    [one, two] = (await replicas(testDb, REDIS_URL, prefix, { LOGIN_RATE_LIMIT: '4' })) as [typeof one, typeof two];
    a = await registerAccount(one.app, 'Replica A');
    b = await registerAccount(two.app, 'Replica B');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const replica of [one, two]) {
      await replica?.app.close();
      await replica?.redis.close();
    }
    await testDb?.drop();
  });

  it('names each replica in /health and checks Redis', async () => {
    for (const [replica, name] of [
      [one, 'api_1'],
      [two, 'api_2'],
    ] as const) {
      const health = await call(replica.app, undefined, { method: 'GET', url: '/health' });
      expect(health.body).toMatchObject({ status: 'healthy', serverInstance: name, checks: { redis: { status: 'ok' } } });
      expect(health.body.checks.redis.latency).toMatch(/^\d+ms$/);
    }
  });

  it('counts login attempts in Redis, so the limit holds across replicas', async () => {
    const attempt = (replica: typeof one) =>
      call(replica.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email: 'victim@example.com', password: 'guess' } });
    const statuses = [];
    for (const replica of [one, two, one, two, one]) statuses.push((await attempt(replica)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect((await attempt(two)).status).toBe(429);
  });

  it("delivers a message posted through replica 2 to a socket on replica 1, and not to another account's", async () => {
    const socketA = connectSocket(one.url, a.token);
    const socketB = connectSocket(one.url, b.token);
    const socketBOnTwo = connectSocket(two.url, b.token);
    sockets.push(socketA, socketB, socketBOnTwo);
    await Promise.all([connected(socketA), connected(socketB), connected(socketBOnTwo)]);
    const seenByB = [...recordEvents(socketB), ...recordEvents(socketBOnTwo)];
    const conversation = await call(two.app, a, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Cross Replica' }, message: { content: 'opened on replica 2' } },
    });
    const id = conversation.body.conversation.id;
    const feed = await openFeed(one.url, a.token);
    await feed.opened;
    const received = nextEvent(socketA, 'message:new', undefined, (e: any) => e.data.message.content === 'Test message');
    const posted = await call(two.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'Test message' } });
    expect(posted.status).toBe(201);
    expect(await received).toMatchObject({ event: 'message:new', accountId: a.accountId, data: { conversationId: id } });
    // The plain feed on replica 1 hears it too, through the account's Redis channel.
    expect(await feed.next((e) => e.event === 'message:new' && e.data.message.content === 'Test message')).toMatchObject({ accountId: a.accountId });
    feed.ws.close();

    // B's sockets on both replicas hear B's own event, and nothing of A's came before it.
    const ownEvent = Promise.all([nextEvent(socketB, 'conversation:created'), nextEvent(socketBOnTwo, 'conversation:created')]);
    await call(one.app, b, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'B here' } } });
    await ownEvent;
    expect(seenByB.some((e) => e.payload.accountId === a.accountId)).toBe(false);
  });

  it('announces what a separate worker process changed to the sockets of the API replicas', async () => {
    const { runWorker } = await import('../worker.js');
    const { loadConfig } = await import('../config.js');
    const pino = (await import('pino')).default;
    const workerRedis = connectTestRedis();
    const worker = await runWorker(
      testDb.database,
      workerRedis,
      {
        redisPrefix: prefix,
        remoteAi: undefined,
        remoteEmbeddings: undefined,
        draftSimilarityThreshold: undefined,
        exactSearchMaxVectors: 2_000,
        queueConcurrency: 4,
        workerMetricsPort: 0,
        dataDir: '/tmp/hummdesk-test-unused',
        attachments: { maxBytes: 1_000_000, maxFiles: 10 },
        outbound: { allowPrivateNetworks: true, timeoutMs: 10_000 },
        encryptionKey: undefined,
        email: loadConfig({}).email,
      },
      pino({ level: 'silent' }),
      TEST_JWT_SECRET,
    );
    try {
      const socket = connectSocket(one.url, a.token);
      sockets.push(socket);
      await connected(socket);
      const id = (await call(two.app, a, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'snooze me' } } })).body
        .conversation.id;
      const reopened = nextEvent(socket, 'conversation:updated', 60_000, (e: any) => e.data.conversation.id === id && e.data.conversation.status === 'open');
      await snoozeSoon(two.app, a, id, 1_000);
      await reopened;
      // The worker records the outcome just after the handler announced the change.
      const job = await eventually('the snooze job to be recorded as finished', async () => {
        const found = (await call(one.app, a, { method: 'GET', url: '/api/queue/jobs' })).body.data.find((row: { key: string }) =>
          row.key.startsWith(`${id}-`),
        );
        return found && ['completed', 'failed'].includes(found.state) ? found : undefined;
      });
      expect(job).toMatchObject({ state: 'completed', attempts: 1 });
      // The worker's own metrics: what it ran is counted there (once its outcome is recorded).
      const scraped = await eventually('the worker to count the job', async () => {
        const text = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
        return /queue_jobs_finished_total\{queue="conversation-snooze",outcome="\w+"\} [1-9]/.test(text) ? text : undefined;
      });
      expect(scraped).toMatch(/queue_jobs_finished_total\{queue="conversation-snooze",outcome="completed"\} 1/);
      expect((await fetch(`http://127.0.0.1:${worker.port}/health`)).status).toBe(200);
    } finally {
      await worker.close();
      await workerRedis.close();
    }
  });

  it('recovers a dropped socket on another replica with the events it missed', async () => {
    const socket = connectSocket(one.url, a.token);
    sockets.push(socket);
    await connected(socket);
    const id = (await call(one.app, a, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'before' } } })).body
      .conversation.id;
    await nextEvent(socket, 'message:new', undefined, (e: any) => e.data.conversationId === id);
    await dropConnection(socket);
    await call(one.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'missed it' } });
    // The session lives in Redis: the client comes back through the other replica.
    (socket.io as unknown as { uri: string }).uri = two.url;
    const missed = nextEvent(socket, 'message:new', undefined, (e: any) => e.data.message.content === 'missed it');
    socket.connect();
    await connected(socket);
    expect(socket.recovered).toBe(true);
    await missed;
  });
});

describe.runIf(runs)('Redis restarting under two replicas', () => {
  let testDb: TestDatabase;
  let redisServer: Awaited<ReturnType<typeof privateRedis>>;
  let made: Awaited<ReturnType<typeof replicas>>;
  let a: Session;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    redisServer = await privateRedis();
    made = await replicas(testDb, redisServer.url, uniquePrefix());
    a = await registerAccount(made[0]!.app, 'Restart A');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const replica of made ?? []) {
      await replica.app.close();
      await replica.redis.close();
    }
    await redisServer?.stop();
    await testDb?.drop();
  });

  it('reports degraded, keeps serving, reconnects by itself and delivers what was posted meanwhile', async () => {
    const [one, two] = made as [(typeof made)[number], (typeof made)[number]];
    const socket = connectSocket(one.url, a.token);
    sockets.push(socket);
    await connected(socket);
    const id = (await call(two.app, a, { method: 'POST', url: '/api/conversations', payload: { contact: {}, message: { content: 'warm-up' } } })).body
      .conversation.id;
    await nextEvent(socket, 'message:new', undefined, (e: any) => e.data.conversationId === id);

    await redisServer.stop();
    // /health tells the latest background check, which sees Redis gone within its interval.
    const degraded = await eventually('/health to say degraded', async () => {
      const health = await call(two.app, undefined, { method: 'GET', url: '/health' });
      return health.body.status === 'degraded' ? health : undefined;
    });
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', checks: { database: { status: 'ok' }, redis: { status: 'error' } } });
    // The API keeps answering, rate-limited routes included, while Redis is away.
    const whileDown = await call(two.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'posted while Redis was down' } });
    expect(whileDown.status).toBe(201);
    expect((await call(two.app, undefined, { method: 'POST', url: '/api/auth/login', payload: { email: 'x@example.com', password: 'wrong pw' } })).status).toBe(
      401,
    );

    const caughtUp = nextEvent(socket, 'message:new', 60_000, (e: any) => e.data.message.content === 'posted while Redis was down');
    await redisServer.start();
    await caughtUp;
    await eventually(
      '/health to be healthy again',
      async () => ((await call(two.app, undefined, { method: 'GET', url: '/health' })).body.status === 'healthy' ? true : undefined),
      {
        intervalMs: 200,
      },
    );
    const after = nextEvent(socket, 'message:new', undefined, (e: any) => e.data.message.content === 'after the restart');
    await call(two.app, a, { method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'after the restart' } });
    await after;
  }, 180_000);
});
