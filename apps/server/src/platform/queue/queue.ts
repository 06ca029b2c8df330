/**
 * One job queue, two backends behind the same interface:
 * - `database` (no REDIS_URL): the jobs table is the queue; workers in this process claim due
 *   jobs with SKIP LOCKED, so pending and running jobs survive a crash or restart.
 * - `bullmq` (REDIS_URL): the jobs table is an outbox that this process relays into BullMQ;
 *   workers (`HUMMDESK_ROLE=worker` processes, or this one) take them from Redis.
 * Either way a job is written in the transaction of the change that needs it, and its handler
 * runs inside the job's account (`withTenant`).
 */
import { EventEmitter } from 'node:events';
import { Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { AppDb, Tx } from '../../db/client.js';
import type { RedisConnections } from '../redis.js';
import { createJobStore, insertJob, type ClaimedJob } from './job-store.js';
import {
  backoffMs,
  QUEUE_NAMES,
  type Backoff,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobPayloads,
  type JobResult,
  type QueueEvent,
  type QueueName,
} from './jobs.js';

const POLL_MS = 500;
const RELAY_BATCH = 200;
/** How often the jobs table is checked against BullMQ (besides at start-up). */
const RECONCILE_MS = 5 * 60_000;

/**
 * The BullMQ id of a job key. BullMQ refuses an id with `:` (its Redis key separator) or one
 * that reads as an integer; such a job used to stay in the outbox for ever. Escaped reversibly
 * (`%3A`, `%25`, a leading digit or `-` as `%3n`/`%2D`), so every key is a valid id, keys
 * without those characters stay as they are, and an outcome finds its row again.
 */
export function bullJobId(key: string): string {
  const escaped = key.replace(/[%:]/g, (char) => (char === '%' ? '%25' : '%3A'));
  if (`${parseInt(escaped, 10)}` !== escaped) return escaped;
  return `%${escaped.charCodeAt(0).toString(16).toUpperCase()}${escaped.slice(1)}`;
}

export function jobKeyOfBullId(id: string): string {
  return id.replace(/%([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export interface JobQueue {
  readonly backend: 'database' | 'bullmq';
  /** Writes the job in the caller's (tenant) transaction; call `wake()` after it commits. */
  enqueue<Q extends QueueName>(tx: Tx, queue: Q, payload: JobPayloads[Q], options: EnqueueOptions): Promise<boolean>;
  /** Picks up committed jobs now rather than at the next poll. */
  wake(): void;
  /** Runs `handler` for the queue's jobs in this process. */
  work<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, options?: { concurrency?: number }): void;
  /** Jobs by queue and state (waiting, delayed, active, completed, failed). */
  counts(): Promise<Record<string, Record<string, number>>>;
  onEvent(listener: (event: QueueEvent) => void): () => void;
  close(): Promise<void>;
}

export interface QueueOptions {
  db: AppDb;
  redis?: RedisConnections | undefined;
  redisPrefix: string;
  /** Only one process opens an embedded database, so its active jobs at start are orphans. */
  singleProcess: boolean;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** Waits between attempts (default: backoffMs, 1 s, 4 s, 16 s, ...); tests of retries shorten them. */
  backoff?: Backoff;
}

/** BullMQ's name for the queue's own backoff (its built-in exponential one doubles, ours quadruples). */
const BACKOFF_TYPE = 'hummdesk';

export function createJobQueue(options: QueueOptions): JobQueue {
  const backoff = options.backoff ?? backoffMs;
  const store = createJobStore(options.db, backoff);
  const emitter = new EventEmitter();
  const emit = (event: QueueEvent) => emitter.emit('event', event);
  const wakers = new Set<() => void>();
  const stoppers: (() => Promise<void>)[] = [];
  let closed = false;

  const contextFor = (queue: QueueName, key: string, attempt: number, maxAttempts: number, extraLog?: (line: string) => void): JobContext => ({
    key,
    attempt,
    maxAttempts,
    log: (line, fields) => {
      emit({ type: 'log', queue, key, line, fields });
      extraLog?.(line);
    },
  });

  async function run<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, payload: JobPayloads[Q], context: JobContext) {
    emit({ type: 'started', queue, key: context.key, attempt: context.attempt });
    return handler(payload, context);
  }

  // --- database backend -------------------------------------------------------------------
  function workFromDatabase<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, concurrency: number) {
    let running = 0;
    let pumping = false;
    const execute = async (job: ClaimedJob) => {
      const started = performance.now();
      try {
        const result = await run(queue, handler, job.payload as JobPayloads[Q], contextFor(queue, job.key, job.attempts, job.maxAttempts));
        await store.complete(job.id, result);
        emit({ type: 'completed', queue, key: job.key, durationMs: performance.now() - started, result });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const willRetry = await store.fail(job, message).catch(() => true);
        emit({ type: 'failed', queue, key: job.key, durationMs: performance.now() - started, error: message, willRetry });
      }
    };
    const pump = async () => {
      if (pumping || closed) return;
      pumping = true;
      try {
        while (!closed && running < concurrency) {
          const claimed = await store.claim(queue, concurrency - running);
          if (claimed.length === 0) break;
          for (const job of claimed) {
            running += 1;
            void execute(job).finally(() => {
              running -= 1;
              void pump();
            });
          }
        }
      } catch (error) {
        options.logger.warn({ err: error, queue }, 'claiming jobs failed; retrying');
      } finally {
        pumping = false;
      }
    };
    const timer = setInterval(() => void pump(), POLL_MS);
    wakers.add(() => void pump());
    stoppers.push(async () => {
      clearInterval(timer);
      while (running > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    });
    void pump();
  }

  // --- BullMQ backend ----------------------------------------------------------------------
  const redis = options.redis;
  const bullQueues = new Map<QueueName, Queue>();
  const bullQueue = (queue: QueueName) => {
    let existing = bullQueues.get(queue);
    if (!existing) {
      existing = new Queue(queue, { connection: redis!.shared, prefix: `${options.redisPrefix}:bull` });
      bullQueues.set(queue, existing);
    }
    return existing;
  };

  /** Moves committed jobs from the outbox to BullMQ; Redis being away only delays it. */
  let relaying = false;
  async function relay() {
    if (relaying || closed || !redis) return;
    relaying = true;
    try {
      for (;;) {
        const rows = await store.unrelayed(RELAY_BATCH);
        if (rows.length === 0) break;
        const added: number[] = [];
        try {
          for (const row of rows) {
            await bullQueue(row.queue).add(row.queue, row.payload, {
              jobId: bullJobId(row.key),
              delay: Math.max(0, new Date(row.run_at).getTime() - Date.now()),
              attempts: row.max_attempts,
              backoff: { type: BACKOFF_TYPE },
              removeOnComplete: { age: 24 * 3600, count: 10_000 },
              removeOnFail: { age: 7 * 24 * 3600 },
            });
            added.push(Number(row.id));
            emit({ type: 'added', queue: row.queue, key: row.key });
          }
        } finally {
          // What reached Redis is recorded even when a later job of the batch did not.
          if (added.length > 0) await store.markRelayed(added);
        }
      }
    } catch (error) {
      options.logger.warn({ err: error }, 'relaying jobs to Redis failed; retrying');
    } finally {
      relaying = false;
    }
  }

  /**
   * Brings the jobs table to BullMQ's truth for the jobs it handed over and has no outcome of:
   * the outcome a worker records after BullMQ finished a job is lost when its process dies in
   * between (`kill -9`), and the row would say `waiting` for ever. Run at start-up (after a
   * first relay, which may have handed over a job again that BullMQ already had) and now and
   * then. A job BullMQ no longer has (Redis lost it) goes back to the outbox.
   */
  let reconciling = false;
  async function reconcile() {
    if (reconciling || closed || !redis) return;
    reconciling = true;
    try {
      for (let afterId = 0; !closed;) {
        const rows = await store.relayedUnfinished(afterId, RELAY_BATCH);
        if (rows.length === 0) break;
        for (const row of rows) {
          const job = await Job.fromId(bullQueue(row.queue), bullJobId(row.key));
          if (closed) return;
          if (!job) {
            options.logger.warn({ queue: row.queue, key: row.key }, 'BullMQ has lost a job: relaying it again');
            await store.relayAgain(Number(row.id));
            continue;
          }
          const state = await job.getState();
          if (state === 'completed') {
            await store.finishByKey(row.queue, row.key, { state: 'completed', result: (job.returnvalue ?? undefined) as JobResult }, job.attemptsMade);
          } else if (state === 'failed') {
            await store.finishByKey(row.queue, row.key, { state: 'failed', error: job.failedReason ?? 'failed' }, job.attemptsMade);
          }
        }
        afterId = Number(rows.at(-1)!.id);
      }
    } catch (error) {
      options.logger.warn({ err: error }, 'checking jobs against BullMQ failed; retrying later');
    } finally {
      reconciling = false;
    }
  }

  /** Outcomes being written to the jobs table: closing waits for them. */
  const recording = new Set<Promise<unknown>>();

  function workFromBullMq<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, concurrency: number) {
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const context = contextFor(queue, jobKeyOfBullId(job.id!), job.attemptsMade + 1, job.opts.attempts ?? 1, (line) => {
          void job.updateProgress({ line }).catch(() => undefined);
        });
        return (await run(queue, handler, job.data as JobPayloads[Q], context)) ?? null;
      },
      { connection: redis!.shared, prefix: `${options.redisPrefix}:bull`, concurrency, settings: { backoffStrategy: (attemptsMade) => backoff(attemptsMade) } },
    );
    const durationOf = (job: Job) => (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now());
    // A lost write (the process dies first) is made good by reconcile() at the next start.
    const record = (promise: Promise<unknown>) => {
      const recorded = promise.catch((error) => options.logger.warn({ err: error, queue }, 'recording a job outcome failed'));
      recording.add(recorded);
      void recorded.finally(() => recording.delete(recorded));
      return recorded;
    };
    // Reported once the outcome is on the job's row, as the database backend does.
    worker.on('completed', (job, result: JobResult) => {
      const key = jobKeyOfBullId(job.id!);
      void record(store.finishByKey(queue, key, { state: 'completed', result }, job.attemptsMade)).then(() =>
        emit({ type: 'completed', queue, key, durationMs: durationOf(job), result }),
      );
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const key = jobKeyOfBullId(job.id!);
      const willRetry = job.attemptsMade < (job.opts.attempts ?? 1);
      const recorded = willRetry ? Promise.resolve() : record(store.finishByKey(queue, key, { state: 'failed', error: error.message }, job.attemptsMade));
      void recorded.then(() => emit({ type: 'failed', queue, key, durationMs: durationOf(job), error: error.message, willRetry }));
    });
    worker.on('error', (error) => options.logger.warn({ err: error, queue }, 'queue worker error'));
    stoppers.push(() => worker.close());
  }

  if (redis) {
    const timer = setInterval(() => void relay(), POLL_MS * 2);
    const reconcileTimer = setInterval(() => void reconcile(), RECONCILE_MS);
    wakers.add(() => void relay());
    void relay().then(reconcile);
    stoppers.push(async () => {
      clearInterval(timer);
      clearInterval(reconcileTimer);
    });
  } else if (options.singleProcess) {
    void store.releaseOrphans().catch((error) => options.logger.error({ err: error }, 'releasing orphaned jobs failed'));
  }

  return {
    backend: redis ? 'bullmq' : 'database',
    async enqueue(tx, queue, payload, enqueueOptions) {
      const added = await insertJob(tx, queue, payload, enqueueOptions);
      if (added && !redis) emit({ type: 'added', queue, key: enqueueOptions.key });
      return added;
    },
    wake: () => {
      for (const wake of wakers) wake();
    },
    work(queue, handler, workOptions) {
      const concurrency = workOptions?.concurrency ?? 4;
      if (redis) workFromBullMq(queue, handler, concurrency);
      else workFromDatabase(queue, handler, concurrency);
    },
    async counts() {
      const counts: Record<string, Record<string, number>> = {};
      for (const queue of QUEUE_NAMES) counts[queue] = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
      for (const row of await store.counts()) counts[row.queue]![row.state] = row.count;
      if (redis) {
        for (const queue of QUEUE_NAMES) {
          // Finished jobs are counted from the jobs table, where their outcome is recorded.
          const bull = await bullQueue(queue).getJobCounts('waiting', 'delayed', 'active');
          for (const [state, count] of Object.entries(bull)) counts[queue]![state] = (counts[queue]![state] ?? 0) + count;
        }
      }
      return counts;
    },
    onEvent(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async close() {
      closed = true;
      for (const stop of stoppers) await stop();
      // The outcomes of the jobs the workers finished while closing reach the table first.
      await Promise.all(recording);
      await Promise.all([...bullQueues.values()].map((queue) => queue.close()));
    },
  };
}
