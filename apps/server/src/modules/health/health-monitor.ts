/**
 * The database and Redis checks behind /health and /health/ready, run in the background so that
 * those answer from memory: a load balancer or a monitoring loop asking every replica as often as
 * it likes costs the database nothing.
 *
 * A check runs
 * - at the app's start-up, before it listens (its onReady), so nothing is called healthy unchecked;
 * - every `intervalMs` (HEALTH_CHECK_INTERVAL_MS) after the last one ended, and every second while
 *   one of them fails, so a recovery shows within a second;
 * - within a second when a request failed because the database is unreachable (the error handler
 *   says so), so /health does not say healthy for a whole interval into an outage. A storm of such
 *   failures makes one check: none while one is due or the database already counts as down.
 */
import { once } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client.js';
import type { RedisConnections } from '../../platform/redis.js';

const CHECK_TIMEOUT_MS = 2_000;
/** How soon a failing check runs again, and the least time between the starts of two checks. */
const RETRY_MS = 1_000;

export interface DependencyCheck {
  status: 'ok' | 'error';
  /** How long the check took, e.g. "3ms"; none before the first one. */
  latency?: string;
  error?: string;
  /** When the check ended (ISO 8601, and in milliseconds since the epoch); none before the first one. */
  checkedAt?: string;
  checkedAtMs?: number;
}

interface DependencyChecks {
  database: DependencyCheck;
  /** None without REDIS_URL. */
  redis: DependencyCheck | undefined;
}

export interface HealthMonitor {
  /** The first check, then the checks in the background until `stop`. */
  start(): Promise<void>;
  /** Stops checking, once the check running (if any) has ended. */
  stop(): Promise<void>;
  latest(): DependencyChecks;
  /** A request failed because the database is unreachable: check again now (see above). */
  databaseUnavailable(): void;
}

const NOT_CHECKED: DependencyCheck = { status: 'error', error: 'not checked yet' };

export function createHealthMonitor({
  database,
  redis,
  intervalMs,
  logger,
}: {
  database: Pick<Database, 'ping'>;
  redis?: Pick<RedisConnections, 'ping' | 'failFast'> | undefined;
  intervalMs: number;
  logger: Pick<FastifyBaseLogger, 'warn' | 'info'>;
}): HealthMonitor {
  let results: DependencyChecks = { database: NOT_CHECKED, redis: redis ? NOT_CHECKED : undefined };
  let stopped = true;
  let running: Promise<void> | undefined;
  let lastStartedAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let timerDueAt = Infinity;
  /** A request failed during the running check, which may have pinged before: one more after it. */
  let recheckAfterRunning = false;
  /** The database ping under way, which may outlive the check that started it (timed out). */
  let databasePing: Promise<void> | undefined;

  /** Never a second ping while one hangs (a network that drops packets): the check waits on that one again. */
  function pingDatabase(): Promise<void> {
    databasePing ??= database.ping().finally(() => (databasePing = undefined));
    return databasePing;
  }

  function checkNow(): Promise<void> {
    running ??= (async () => {
      lastStartedAt = Date.now();
      const [databaseCheck, redisCheck] = await Promise.all([timed(pingDatabase), redis ? timed((signal) => pingRedis(redis, signal)) : undefined]);
      logChanges(results, { database: databaseCheck, redis: redisCheck });
      results = { database: databaseCheck, redis: redisCheck };
    })().finally(() => {
      running = undefined;
      const failing = results.database.status === 'error' || results.redis?.status === 'error';
      runIn(recheckAfterRunning || failing ? RETRY_MS : intervalMs);
      recheckAfterRunning = false;
    });
    return running;
  }

  /** (Re)sets the one timer to `ms` from now, unless it is due sooner already. */
  function runIn(ms: number) {
    const dueAt = Date.now() + ms;
    if (stopped || running || (timer && timerDueAt <= dueAt)) return;
    clearTimeout(timer);
    timerDueAt = dueAt;
    // unref: the checks never keep a process (or a test run) alive.
    timer = setTimeout(() => {
      timer = undefined;
      // A check reports its failures in its results; nothing else of it can fail.
      checkNow().catch(() => undefined);
    }, ms).unref();
  }

  function logChanges(before: DependencyChecks, after: DependencyChecks) {
    for (const name of ['database', 'redis'] as const) {
      const [was, is] = [before[name], after[name]];
      // At start-up only a failure is news.
      if (!is || (was === NOT_CHECKED ? is.status === 'ok' : was?.status === is.status)) continue;
      if (is.status === 'error') logger.warn({ check: name, error: is.error }, `health: the ${name} check failed`);
      else logger.info({ check: name }, `health: the ${name} check passes again`);
    }
  }

  return {
    async start() {
      stopped = false;
      await checkNow();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
    latest: () => results,
    databaseUnavailable() {
      if (stopped || results.database.status === 'error') return;
      if (running) recheckAfterRunning = true;
      else runIn(Math.max(0, lastStartedAt + RETRY_MS - Date.now()));
    },
  };
}

/**
 * At start-up Redis's connection may still be opening: that is waited for (within the check's
 * time) rather than reported as Redis down for a whole interval. Once open, the fail-fast
 * connection answers at once, or refuses at once while Redis is away.
 */
async function pingRedis(redis: Pick<RedisConnections, 'ping' | 'failFast'>, signal: AbortSignal) {
  if (redis.failFast.status === 'connecting' || redis.failFast.status === 'connect') await once(redis.failFast, 'ready', { signal });
  await redis.ping();
}

async function timed(check: (signal: AbortSignal) => Promise<void>): Promise<DependencyCheck> {
  const started = performance.now();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('timed out')), CHECK_TIMEOUT_MS).unref();
  const timedOut = new Promise<never>((_, reject) => timeout.signal.addEventListener('abort', () => reject(timeout.signal.reason as Error)));
  // Formatted once here rather than by each /health.
  const ended = () => {
    const now = new Date();
    return { latency: `${Math.round(performance.now() - started)}ms`, checkedAt: now.toISOString(), checkedAtMs: now.getTime() };
  };
  try {
    await Promise.race([check(timeout.signal), timedOut]);
    return { status: 'ok', ...ended() };
  } catch (error) {
    return { status: 'error', error: String((error as Error)?.message ?? error).slice(0, 200), ...ended() };
  } finally {
    clearTimeout(timer);
  }
}
