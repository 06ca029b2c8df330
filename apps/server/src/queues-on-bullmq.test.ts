/**
 * Every queue's jobs, enqueued the way the product enqueues them, run to completion on BullMQ
 * (real Redis, Postgres as the outbox) and are recorded `completed` in the jobs table that
 * `GET /api/queue/jobs` shows (issue 11, finding 6: a key BullMQ refused as a job id left
 * knowledge-base imports `queued` for ever, and held up the outbox behind them).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnections } from './platform/redis.js';
import { openAiServer, type WireServer } from './test-support/ai-wire-servers.js';
import { buildTestApp, call, registerAccount, type Session } from './test-support/app.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from './test-support/databases.js';
import { connectTestRedis, redisAvailable, uniquePrefix } from './test-support/redis.js';
import { eventually } from './test-support/checks.js';
import { startReceiver, type Receiver } from './test-support/webhook-receiver.js';
import { subscribe } from './test-support/webhooks.js';

const runs = (await databaseKinds()).includes('postgres') && (await redisAvailable());

interface JobRow {
  queue: string;
  key: string;
  state: string;
  lastError: string | null;
}

describe.runIf(runs)('every queue on BullMQ', () => {
  let testDb: TestDatabase;
  let server: WireServer;
  let redis: RedisConnections;
  let app: FastifyInstance;
  let admin: Session;
  let receiver: Receiver;
  const prefix = uniquePrefix();

  const start = async (env: Record<string, string> = {}) => {
    app = await buildTestApp(testDb.database, { HUMMDESK_REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', ...env }, redis, true);
  };
  const jobs = async () => (await call(app, admin, { method: 'GET', url: '/api/queue/jobs?limit=200' })).body.data as JobRow[];
  /** Until every job of the account is finished; then its jobs. */
  const allFinished = async () => {
    let unfinished: JobRow[] = [];
    return eventually(
      () => `every job to finish; still unfinished: ${JSON.stringify(unfinished)}`,
      async () => {
        const rows = await jobs();
        unfinished = rows.filter((job) => job.state !== 'completed' && job.state !== 'failed');
        return unfinished.length === 0 ? rows : undefined;
      },
      { intervalMs: 200 },
    );
  };

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    server = await openAiServer();
    receiver = await startReceiver();
    redis = connectTestRedis();
    await start();
    admin = await registerAccount(app, 'On BullMQ');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await testDb?.drop();
    await server?.close();
    await receiver?.close();
  });

  it('runs the jobs of triage, drafts, snoozes, articles, imports and webhooks to completion', async () => {
    // A receiver that fails first: BullMQ retries the delivery after the queue's own backoff.
    await subscribe(app, admin, receiver, '/bullmq', ['conversation.created'], (nth) => (nth === 1 ? 500 : 200));
    const opened = await call(app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Ella Virtanen' }, message: { content: 'I was charged twice for order #4417, please refund one.' } },
    });
    expect(opened.status).toBe(201);
    const { conversation, message } = opened.body;
    const drafted = await call(app, admin, { method: 'POST', url: '/api/ai/draft', payload: { messageId: message.id } });
    expect(drafted.status).toBe(202);
    const snoozed = await call(app, admin, {
      method: 'PATCH',
      url: `/api/conversations/${conversation.id}`,
      payload: { snoozedUntil: new Date(Date.now() + 1_500).toISOString() },
    });
    expect(snoozed.status, JSON.stringify(snoozed.body)).toBe(200);
    const article = await call(app, admin, {
      method: 'POST',
      url: '/api/knowledge-base/articles',
      payload: { title: 'Duplicate charges', content: 'For duplicate charges, we refund the second charge within 1-3 business days.' },
    });
    expect(article.status).toBe(201);
    const imported = await call(app, admin, {
      method: 'POST',
      url: '/api/knowledge-base/imports',
      payload: { files: [{ path: 'shipping/times.md', content: '# Delivery times\n\nParcels arrive within 2 to 4 working days.' }] },
    });
    expect(imported.status).toBe(202);
    // A changed taxonomy trains the account's own model (a new account starts with the build's).
    const taxonomy = await call(app, admin, {
      method: 'PUT',
      url: '/api/ai/taxonomy',
      payload: {
        categories: [
          { name: 'billing', examples: ['I was charged twice'] },
          { name: 'shipping', examples: ['Where is my parcel?'] },
        ],
      },
    });
    expect(taxonomy.status).toBe(200);

    const rows = await allFinished();
    expect(rows.filter((job) => job.state !== 'completed')).toEqual([]);
    expect(new Set(rows.map((job) => job.queue))).toEqual(
      new Set(['ai-train', 'ai-classification', 'ai-draft', 'conversation-snooze', 'kb-embed', 'kb-import', 'webhook-delivery']),
    );
    const delivered = receiver.at('/bullmq');
    expect(delivered.map((request) => [request.answered, request.verified])).toEqual([
      [500, true],
      [200, true],
    ]);
    expect(delivered[1]!.payload.id).toBe(delivered[0]!.payload.id);
    // The draft asked for by hand has a key of its own (message id and a UUID) beside the automatic `msg-<id>`.
    expect(rows.filter((job) => job.queue === 'ai-draft' && /^\d+-[0-9a-f-]{36}$/.test(job.key))).toHaveLength(1);
    const done = await call(app, admin, { method: 'GET', url: `/api/knowledge-base/imports/${imported.body.import.id}` });
    expect(done.body.import).toMatchObject({ status: 'completed', created: 1 });
    const reopened = await call(app, admin, { method: 'GET', url: `/api/conversations/${conversation.id}` });
    expect(reopened.body.conversation.status).toBe('open');
  }, 180_000);

  it('runs the re-embedding of a change of embedding model (kb-reembed), after a restart on the same queues', async () => {
    await app.close();
    await start({ EMBEDDING_PROVIDER: 'openai', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: `${server.url}/v1`, EMBEDDING_DIMENSIONS: '64' });
    const status = await call(app, admin, { method: 'GET', url: '/api/knowledge-base/embeddings' });
    expect(status.body.buildingModel).toBe('openai-text-embedding-3-small-64');
    await eventually(
      () => 'the switch to the new model',
      async () => {
        const state = await call(app, admin, { method: 'GET', url: '/api/knowledge-base/embeddings' });
        return state.body.activeModel === 'openai-text-embedding-3-small-64' ? state.body : undefined;
      },
      { intervalMs: 200 },
    );
    const rows = await allFinished();
    expect(rows.filter((job) => job.queue === 'kb-reembed')).toEqual([expect.objectContaining({ state: 'completed' })]);
    expect(rows.filter((job) => job.state !== 'completed')).toEqual([]);
  }, 180_000);
});
