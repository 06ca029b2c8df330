/**
 * The job queue on real components: the database backend on PGlite and Postgres, the BullMQ
 * backend on real Redis with the jobs table as its outbox.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { queryRows } from '../../db/client.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test-support/databases.js';
import { eventually, eventuallyFound } from '../../test-support/checks.js';
import { connectTestRedis, privateRedis, redisAvailable, uniquePrefix, REDIS_URL } from '../../test-support/redis.js';
import { enterAccount, runAsApp, withTenant } from '../tenancy.js';
import { nextAccountId } from '../../modules/accounts/accounts.repo.js';
import { accounts } from '../../db/schema.js';
import type { RedisConnections } from '../redis.js';
import { createJobStore, insertJob } from './job-store.js';
import { jobKey, type JobPayloads, type QueueEvent } from './jobs.js';
import { bullJobId, createJobQueue, jobKeyOfBullId, type JobQueue } from './queue.js';

const silent = pino({ level: 'silent' });
type Payload = JobPayloads['conversation-snooze'];

async function newAccount(testDb: TestDatabase): Promise<number> {
  return runAsApp(testDb.database.db, {}, async (tx) => {
    const id = await nextAccountId(tx);
    await enterAccount(tx, id);
    await tx.insert(accounts).values({ id, name: `Queue ${id}` });
    return id;
  });
}

function enqueue(testDb: TestDatabase, queue: JobQueue, accountId: number, key: string, runAt?: Date) {
  const payload: Payload = { accountId, conversationId: 1, until: key };
  return withTenant(testDb.database.db, { accountId }, (tx) =>
    queue.enqueue(tx, 'conversation-snooze', payload, { key, ...(runAt ? { runAt } : {}), maxAttempts: 2 }),
  );
}

/** The first queue event that matches, already seen or still to come. */
const until = (events: QueueEvent[], predicate: (event: QueueEvent) => boolean) =>
  eventuallyFound(() => `a queue event; saw ${JSON.stringify(events)}`, events, predicate);

describe('job keys and BullMQ ids', () => {
  it('builds keys from their parts with `-`', () => {
    expect(jobKey(4, 17)).toBe('4-17');
    expect(jobKey(4, 'local-use-lite-512', 1795691846000)).toBe('4-local-use-lite-512-1795691846000');
  });

  // BullMQ refuses an id with `:` (unless it has exactly two) and an id that reads as an integer.
  it.each(['4:17', '4:17:x', '12345', '-5', '100%', 'a%3Ab', '%', '0012'])('escapes %j into an id BullMQ takes, and back', (key) => {
    const id = bullJobId(key);
    expect(id).not.toContain(':');
    expect(`${parseInt(id, 10)}`).not.toBe(id);
    expect(jobKeyOfBullId(id)).toBe(key);
  });

  it('leaves keys without `:`, `%` or an integer value as they are', () => {
    for (const key of ['4-17', 'msg-12', '42-1795691846000', '7-3f1c2b9e-0d4a-4b8e-9a57-2a2b0d7c1e11']) {
      expect(bullJobId(key)).toBe(key);
      expect(jobKeyOfBullId(key)).toBe(key);
    }
  });
});

describe.each(await databaseKinds())('database queue on %s', (kind) => {
  let testDb: TestDatabase;
  let accountId: number;
  const queues: JobQueue[] = [];
  const open = (singleProcess = kind === 'pglite') => {
    const queue = createJobQueue({ db: testDb.database.db, redisPrefix: 'unused', singleProcess, logger: silent });
    queues.push(queue);
    return queue;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    accountId = await newAccount(testDb);
  });
  afterEach(async () => {
    while (queues.length) await queues.pop()!.close();
  });
  afterAll(() => testDb?.drop());

  it('runs a job written in a transaction once, however often it was enqueued', async () => {
    const queue = open();
    const events: QueueEvent[] = [];
    queue.onEvent((event) => events.push(event));
    const runs: Payload[] = [];
    queue.work('conversation-snooze', async (payload, job) => {
      runs.push(payload);
      job.log(`handled ${job.key}`);
      return { ok: true };
    });
    expect(await enqueue(testDb, queue, accountId, 'once')).toBe(true);
    expect(await enqueue(testDb, queue, accountId, 'once')).toBe(false);
    queue.wake();
    await until(events, (e) => e.type === 'completed' && e.key === 'once');
    expect(runs).toEqual([{ accountId, conversationId: 1, until: 'once' }]);
    expect(events.map((e) => e.type)).toEqual(['added', 'started', 'log', 'completed']);
    const [row] = await queryRows<{ state: string; attempts: number; result: unknown }>(
      testDb.database.db,
      sql`select state, attempts, result from jobs where key = 'once'`,
    );
    expect(row).toEqual({ state: 'completed', attempts: 1, result: { ok: true } });
  });

  it('does not run a job written in a transaction that rolled back', async () => {
    const queue = open();
    await expect(
      withTenant(testDb.database.db, { accountId }, async (tx) => {
        await queue.enqueue(tx, 'conversation-snooze', { accountId, conversationId: 1, until: 'x' }, { key: 'rolled-back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const rows = await queryRows(testDb.database.db, sql`select 1 from jobs where key = 'rolled-back'`);
    expect(rows).toEqual([]);
  });

  it('waits for runAt, retries a failing job with backoff, then marks it failed', async () => {
    const queue = open();
    const events: QueueEvent[] = [];
    queue.onEvent((event) => events.push(event));
    const attempts: { attempt: number; at: number }[] = [];
    queue.work('conversation-snooze', async (_payload, job) => {
      attempts.push({ attempt: job.attempt, at: Date.now() });
      throw new Error(`boom ${job.attempt}`);
    });
    const runAt = new Date(Date.now() + 2_000);
    await enqueue(testDb, queue, accountId, 'later', runAt);
    queue.wake();
    const counted = (await queue.counts())['conversation-snooze'];
    // Counted before its time (the usual case), it is delayed; a loaded machine may count later.
    if (Date.now() < runAt.getTime()) expect(counted).toMatchObject({ delayed: 1 });
    const first = await until(events, (e) => e.type === 'failed' && e.key === 'later');
    expect(first).toMatchObject({ error: 'boom 1', willRetry: true });
    await until(events, (e) => e.type === 'failed' && e.key === 'later' && !e.willRetry);
    expect(attempts.map((run) => run.attempt)).toEqual([1, 2]);
    // It waited for its time, and the retry for its backoff (1 s after the first attempt failed).
    expect(attempts[0]!.at).toBeGreaterThanOrEqual(runAt.getTime());
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect((await queue.counts())['conversation-snooze']).toMatchObject({ failed: 1 });
    const [row] = await queryRows<{ state: string; last_error: string }>(testDb.database.db, sql`select state, last_error from jobs where key = 'later'`);
    expect(row).toEqual({ state: 'failed', last_error: 'boom 2' });
  });

  it('runs again a job whose worker died mid-job (kill -9), and only once', async () => {
    // A worker claims the job and dies before finishing: the job stays active with its lock.
    await withTenant(testDb.database.db, { accountId }, (tx) =>
      open().enqueue(tx, 'conversation-snooze', { accountId, conversationId: 1, until: 'crash' }, { key: 'crash' }),
    );
    const claimed = await createJobStore(testDb.database.db).claim('conversation-snooze');
    expect(claimed.map((job) => job.key)).toEqual(['crash']);
    if (kind === 'postgres') {
      // Other processes may be alive on a shared Postgres: the job is taken over when its lock expires.
      await testDb.database.db.execute(sql`update jobs set locked_until = now() - interval '1 second' where key = 'crash'`);
    }
    const restarted = open(kind === 'pglite');
    const runs: string[] = [];
    restarted.work('conversation-snooze', async (_payload, job) => {
      runs.push(`${job.key}#${job.attempt}`);
      return undefined;
    });
    await eventually('the job to run again', async () => (runs.length > 0 ? true : undefined));
    // A further poll must not run it again: a job written after it (with no wake-up) is run by
    // a later poll, and by then the crashed job has still run once.
    await withTenant(testDb.database.db, { accountId }, (tx) =>
      restarted.enqueue(tx, 'conversation-snooze', { accountId, conversationId: 1, until: 'after-crash' }, { key: 'after-crash' }),
    );
    await eventually('a later poll', async () => (runs.includes('after-crash#1') ? true : undefined));
    expect(runs).toEqual(['crash#2', 'after-crash#1']);
    const row = await eventually('the crashed job to be recorded as finished', async () => {
      const [now] = await queryRows<{ state: string; attempts: number }>(testDb.database.db, sql`select state, attempts from jobs where key = 'crash'`);
      return now?.state === 'active' ? undefined : now;
    });
    expect(row).toEqual({ state: 'completed', attempts: 2 });
  });

  it('lets an account see its own jobs only', async () => {
    const other = await newAccount(testDb);
    const queue = open();
    await enqueue(testDb, queue, other, 'other-account');
    const seen = await withTenant(testDb.database.db, { accountId }, (tx) => queryRows<{ key: string }>(tx, sql`select key from jobs`));
    expect(seen.map((row) => row.key)).not.toContain('other-account');
    const own = await withTenant(testDb.database.db, { accountId: other }, (tx) => queryRows<{ key: string }>(tx, sql`select key from jobs`));
    expect(own.map((row) => row.key)).toEqual(['other-account']);
  });
});

const withRedis = (await databaseKinds()).includes('postgres') && (await redisAvailable());

describe.runIf(withRedis)('BullMQ queue with the jobs table as outbox', () => {
  let testDb: TestDatabase;
  let accountId: number;
  const opened: { queue: JobQueue; redis: RedisConnections }[] = [];
  const open = (redisUrl = REDIS_URL, prefix = uniquePrefix()) => {
    const redis = connectTestRedis(redisUrl);
    const queue = createJobQueue({ db: testDb.database.db, redis, redisPrefix: prefix, singleProcess: false, logger: silent });
    opened.push({ queue, redis });
    return queue;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    accountId = await newAccount(testDb);
  });
  afterEach(async () => {
    while (opened.length) {
      const { queue, redis } = opened.pop()!;
      await queue.close();
      await redis.close();
    }
  });
  afterAll(() => testDb?.drop());

  it('relays committed jobs to BullMQ and runs each once', async () => {
    const queue = open();
    const events: QueueEvent[] = [];
    queue.onEvent((event) => events.push(event));
    const runs: string[] = [];
    queue.work('conversation-snooze', async (_payload, job) => {
      runs.push(job.key);
      job.log('Classification-style progress line');
      return { done: true };
    });
    await enqueue(testDb, queue, accountId, 'bull-once');
    await enqueue(testDb, queue, accountId, 'bull-once');
    queue.wake();
    const completed = await until(events, (e) => e.type === 'completed' && e.key === 'bull-once');
    expect(completed).toMatchObject({ result: { done: true } });
    expect(runs).toEqual(['bull-once']);
    expect(events.map((e) => e.type)).toEqual(['added', 'started', 'log', 'completed']);
    // BullMQ may finish the job before the relay has recorded the hand-over.
    await eventually('the hand-over to be recorded', async () => {
      const [row] = await queryRows<{ relayed: boolean }>(testDb.database.db, sql`select relayed_at is not null as relayed from jobs where key = 'bull-once'`);
      return row?.relayed ? true : undefined;
    });
    expect((await queue.counts())['conversation-snooze']).toMatchObject({ completed: 1 });
  });

  it('runs jobs whose keys BullMQ refuses as ids (`:`, integers) and records their outcome on their rows', async () => {
    const queue = open();
    const events: QueueEvent[] = [];
    queue.onEvent((event) => events.push(event));
    const runs: string[] = [];
    queue.work('conversation-snooze', async (_payload, job) => {
      runs.push(job.key);
      return { key: job.key };
    });
    const keys = [`${accountId}:17`, '98765', `${accountId}:7:b`];
    for (const key of keys) await enqueue(testDb, queue, accountId, key);
    queue.wake();
    for (const key of keys) await until(events, (e) => e.type === 'completed' && e.key === key);
    expect(runs.sort()).toEqual([...keys].sort());
    const rows = await queryRows<{ key: string; state: string; result: unknown }>(
      testDb.database.db,
      sql`select key, state, result from jobs where key in (${sql.join(
        keys.map((key) => sql`${key}`),
        sql`, `,
      )}) order by key`,
    );
    expect(rows).toEqual([...keys].sort().map((key) => ({ key, state: 'completed', result: { key } })));
  });

  it('brings the jobs table to BullMQ at start-up when a crash lost the outcomes written after BullMQ finished', async () => {
    const prefix = uniquePrefix();
    const first = open(REDIS_URL, prefix);
    const events: QueueEvent[] = [];
    first.onEvent((event) => events.push(event));
    first.work('conversation-snooze', async (payload) => {
      if (payload.until === 'crash-failed') throw new Error('it did not work');
      return { ran: payload.until };
    });
    await enqueue(testDb, first, accountId, 'crash-completed');
    await enqueue(testDb, first, accountId, 'crash-failed');
    first.wake();
    await until(events, (e) => e.type === 'completed' && e.key === 'crash-completed');
    await until(events, (e) => e.type === 'failed' && e.key === 'crash-failed' && !e.willRetry);
    const { queue: closing, redis } = opened.pop()!;
    await closing.close();
    await redis.close();

    // What a kill -9 between BullMQ finishing a job and the row being written leaves behind:
    // BullMQ has the outcome, the table still says waiting. And a relayed job BullMQ has lost.
    await testDb.database.db.execute(
      sql`update jobs set state = 'waiting', result = null, last_error = null, finished_at = null where key in ('crash-completed', 'crash-failed')`,
    );
    await withTenant(testDb.database.db, { accountId }, (tx) =>
      insertJob(tx, 'conversation-snooze', { accountId, conversationId: 1, until: 'crash-lost' }, { key: 'crash-lost' }),
    );
    await testDb.database.db.execute(sql`update jobs set relayed_at = now() where key = 'crash-lost'`);

    const restarted = open(REDIS_URL, prefix);
    restarted.work('conversation-snooze', async (payload) => ({ ran: payload.until }));
    const states = () =>
      queryRows<{ key: string; state: string; result: unknown; last_error: string | null; attempts: number }>(
        testDb.database.db,
        sql`select key, state, result, last_error, attempts from jobs where key like 'crash-%' order by key`,
      );
    const rows = await eventually('the table brought to BullMQ', async () => {
      const now = await states();
      return now.some((row) => row.state === 'waiting') ? undefined : now;
    });
    expect(rows).toEqual([
      { key: 'crash-completed', state: 'completed', result: { ran: 'crash-completed' }, last_error: null, attempts: 1 },
      { key: 'crash-failed', state: 'failed', result: null, last_error: 'it did not work', attempts: 2 },
      { key: 'crash-lost', state: 'completed', result: { ran: 'crash-lost' }, last_error: null, attempts: 1 },
    ]);
  }, 150_000);

  it('keeps jobs in the outbox while Redis is down and runs them when it is back', async () => {
    const redisServer = await privateRedis();
    try {
      const queue = open(redisServer.url);
      const events: QueueEvent[] = [];
      queue.onEvent((event) => events.push(event));
      queue.work('conversation-snooze', async () => undefined);
      await redisServer.stop();
      // The API keeps accepting: the job is written with the change, in Postgres.
      await enqueue(testDb, queue, accountId, 'while-down');
      queue.wake();
      // Not a wait for work to finish: the time a wrongly eager relay would need to mark the job
      // handed over (the relay runs at once on wake, and every second). A correct relay leaves it
      // unrelayed however long this takes, so the pause can hide a bug under load but never fail
      // a correct queue; no state shows a relay waiting for Redis (its add waits for the connection).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const [row] = await queryRows<{ relayed: boolean }>(testDb.database.db, sql`select relayed_at is not null as relayed from jobs where key = 'while-down'`);
      expect(row?.relayed).toBe(false);
      await redisServer.start();
      await until(events, (e) => e.type === 'completed' && e.key === 'while-down');
      // Closed while its Redis is still there.
      const { queue: closing, redis } = opened.pop()!;
      await closing.close();
      await redis.close();
    } finally {
      await redisServer.stop();
    }
  }, 40_000);
});
