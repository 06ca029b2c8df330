/**
 * Real Redis for tests: the machine's (TEST_REDIS_URL, default redis://127.0.0.1:6379) with a
 * key prefix of its own per test, or a private redis-server on a free port that a test may stop
 * and start again (Redis restarts). Redis missing fails under CI=true and skips elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { connectRedis } from '../platform/redis.js';
import { eventually } from './eventually.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // reported by connect() below
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI and is not reachable at ${REDIS_URL}`, { cause: error });
    console.warn(`\n!!! Redis not reachable at ${REDIS_URL}: its tests are SKIPPED (they fail under CI=true)\n`);
    return false;
  } finally {
    probe.disconnect();
  }
}

export const uniquePrefix = () => `hummdesk-test-${randomBytes(4).toString('hex')}`;

export const connectTestRedis = (url = REDIS_URL) => connectRedis(url, pino({ level: 'silent' }));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of the test's own, on a free port, that can be stopped and started. */
export async function privateRedis() {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const started = child;
    await eventually(
      'redis-server to accept connections',
      async () => {
        if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
        const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined); // not up yet: tried again
        try {
          await probe.connect();
          return true;
        } catch {
          return undefined;
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 60_000 },
    );
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
