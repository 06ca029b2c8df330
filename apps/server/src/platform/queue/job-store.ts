/**
 * The jobs table: written in the caller's transaction (so a job exists exactly when the change
 * that needs it committed), claimed with FOR UPDATE SKIP LOCKED by any number of workers.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { queryRows, type AppDb, type Tx } from '../../db/client.js';
import { jobs } from '../../db/schema.js';
import { runAsApp } from '../tenancy.js';
import { backoffMs, type Backoff, type EnqueueOptions, type JobPayloads, type JobResult, type QueueName } from './jobs.js';

/** How long a claimed job may run before another worker takes it over (its worker is presumed dead). */
export const LOCK_MS = 60_000;

export interface ClaimedJob {
  id: number;
  queue: QueueName;
  key: string;
  payload: JobPayloads[QueueName];
  attempts: number;
  maxAttempts: number;
}

/** A transaction that sees the jobs of every account: only queue machinery opens one. */
function asWorker<T>(db: AppDb, work: (tx: Tx) => Promise<T>): Promise<T> {
  return runAsApp(db, {}, async (tx) => {
    await tx.execute(sql`select set_config('app.queue_worker', 'on', true)`);
    return work(tx);
  });
}

/** Inserts a job inside the caller's tenant transaction; a second job with the same key is dropped. */
export async function insertJob<Q extends QueueName>(tx: Tx, queue: Q, payload: JobPayloads[Q], options: EnqueueOptions) {
  const rows = await tx
    .insert(jobs)
    .values({
      accountId: payload.accountId,
      queue,
      key: options.key,
      payload,
      runAt: options.runAt ?? new Date(),
      maxAttempts: options.maxAttempts ?? 3,
    })
    .onConflictDoNothing()
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export function createJobStore(db: AppDb, backoff: Backoff = backoffMs) {
  return {
    /**
     * Takes up to `limit` due jobs of a queue (or ones whose worker died), oldest first: one
     * transaction for as many jobs as the worker has room for, so claiming does not cap a queue
     * of short jobs (webhook deliveries) at one job per round trip.
     */
    claim: (queue: QueueName, limit = 1): Promise<ClaimedJob[]> =>
      asWorker(db, async (tx) => {
        const rows = await queryRows<{
          id: string;
          queue: QueueName;
          key: string;
          payload: JobPayloads[QueueName];
          attempts: number;
          max_attempts: number;
          run_at: Date;
        }>(
          tx,
          sql`update jobs set state = 'active', attempts = attempts + 1, updated_at = now(),
                locked_until = now() + ${`${LOCK_MS} milliseconds`}::interval
              where id in (
                select id from jobs
                where queue = ${queue} and relayed_at is null
                  and ((state = 'waiting' and run_at <= now()) or (state = 'active' and locked_until < now()))
                order by run_at, id
                for update skip locked
                limit ${limit})
              returning id, queue, key, payload, attempts, max_attempts, run_at`,
        );
        return rows
          .sort((a, b) => new Date(a.run_at).getTime() - new Date(b.run_at).getTime() || Number(a.id) - Number(b.id))
          .map((row) => ({ id: Number(row.id), queue: row.queue, key: row.key, payload: row.payload, attempts: row.attempts, maxAttempts: row.max_attempts }));
      }),

    complete: (id: number, result: JobResult) =>
      asWorker(db, (tx) =>
        tx
          .update(jobs)
          .set({ state: 'completed', result: result ?? null, lockedUntil: null, finishedAt: new Date(), updatedAt: new Date() })
          .where(eq(jobs.id, id)),
      ),

    /** Schedules the next attempt with backoff, or marks the job failed after its last. */
    fail: (job: ClaimedJob, error: string) =>
      asWorker(db, async (tx) => {
        const retry = job.attempts < job.maxAttempts;
        await tx
          .update(jobs)
          .set({
            state: retry ? 'waiting' : 'failed',
            runAt: retry ? new Date(Date.now() + backoff(job.attempts)) : undefined,
            lastError: error.slice(0, 2_000),
            lockedUntil: null,
            finishedAt: retry ? null : new Date(),
            updatedAt: new Date(),
          })
          .where(eq(jobs.id, job.id));
        return retry;
      }),

    /**
     * On a single-process database (PGlite) every active job at start-up was cut off by a crash
     * or a kill: it runs again at once rather than after its lock expires.
     */
    releaseOrphans: () =>
      asWorker(db, (tx) => tx.update(jobs).set({ state: 'waiting', lockedUntil: null, updatedAt: new Date() }).where(eq(jobs.state, 'active'))),

    /** Jobs not yet handed to BullMQ (outbox), oldest first. */
    unrelayed: (limit: number) =>
      asWorker(db, (tx) =>
        queryRows<{ id: string; queue: QueueName; key: string; payload: JobPayloads[QueueName]; run_at: Date; max_attempts: number }>(
          tx,
          sql`select id, queue, key, payload, run_at, max_attempts from jobs
              where relayed_at is null and state = 'waiting' order by id limit ${limit} for update skip locked`,
        ),
      ),

    /** Jobs handed to BullMQ whose outcome the table has not recorded (yet), by id from `afterId`. */
    relayedUnfinished: (afterId: number, limit: number) =>
      asWorker(db, (tx) =>
        queryRows<{ id: string; queue: QueueName; key: string }>(
          tx,
          sql`select id, queue, key from jobs
              where relayed_at is not null and state in ('waiting', 'active') and id > ${afterId}
              order by id limit ${limit}`,
        ),
      ),

    /** Back to the outbox: BullMQ no longer has the job (Redis lost it), so the relay hands it over again. */
    relayAgain: (id: number) =>
      asWorker(db, (tx) =>
        tx
          .update(jobs)
          .set({ relayedAt: null, state: 'waiting', lockedUntil: null, updatedAt: new Date() })
          .where(and(eq(jobs.id, id), inArray(jobs.state, ['waiting', 'active']))),
      ),

    markRelayed: (ids: number[]) => asWorker(db, (tx) => tx.update(jobs).set({ relayedAt: new Date(), updatedAt: new Date() }).where(inArray(jobs.id, ids))),

    /** Records BullMQ's outcome on the outbox row, so the API shows the same states for both backends. */
    finishByKey: (queue: QueueName, key: string, outcome: { state: 'completed'; result: JobResult } | { state: 'failed'; error: string }, attempts: number) =>
      asWorker(db, (tx) =>
        tx
          .update(jobs)
          .set({
            state: outcome.state,
            attempts,
            result: outcome.state === 'completed' ? (outcome.result ?? null) : null,
            lastError: outcome.state === 'failed' ? outcome.error.slice(0, 2_000) : null,
            finishedAt: new Date(),
            updatedAt: new Date(),
          })
          .where(and(eq(jobs.queue, queue), eq(jobs.key, key))),
      ),

    counts: () =>
      asWorker(db, (tx) =>
        queryRows<{ queue: QueueName; state: string; count: number }>(
          tx,
          sql`select queue, case when state = 'waiting' and run_at > now() then 'delayed' else state::text end as state,
                count(*)::int as count
              from jobs where relayed_at is null or state in ('completed', 'failed') group by 1, 2`,
        ),
      ),
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
