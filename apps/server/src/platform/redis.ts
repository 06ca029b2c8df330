/**
 * Redis connections of a process (only when REDIS_URL is set). `shared` queues commands while
 * Redis is away and sends them when it is back, which the Socket.IO adapter relies on to catch
 * up; `failFast` refuses at once instead, for checks that must not hang (health, rate limits).
 * Both reconnect by themselves.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisConnections {
  shared: Redis;
  failFast: Redis;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function connectRedis(url: string, logger: Pick<Logger, 'warn' | 'info'>): RedisConnections {
  const options = {
    // Keep trying, at most every 2 s: Redis restarting must not need a restart of the API.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
    maxRetriesPerRequest: null,
    lazyConnect: false,
  };
  const shared = new Redis(url, { ...options, connectionName: 'hummdesk' });
  const failFast = new Redis(url, { ...options, connectionName: 'hummdesk-checks', enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  let down = false;
  const watch = (client: Redis) => {
    // Without a listener, ioredis reports each failed attempt as an unhandled error event.
    client.on('error', (err) => {
      if (!down) logger.warn({ err }, 'redis connection failed; reconnecting');
      down = true;
    });
    client.on('ready', () => {
      if (down) logger.info('redis connection restored');
      down = false;
    });
    return client;
  };
  watch(failFast);
  watch(shared);
  // The Socket.IO adapter duplicates the shared client for its blocking reads and subscriptions.
  const duplicate = shared.duplicate.bind(shared);
  shared.duplicate = (override) => watch(duplicate(override));
  return {
    shared,
    failFast,
    ping: async () => {
      await failFast.ping();
    },
    close: async () => {
      await Promise.allSettled([shared.quit(), failFast.quit()]);
    },
  };
}
