/** The real app on a real test database, driven through `app.inject` (no mocks anywhere). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/client.js';
import type { Backoff } from '../platform/queue/jobs.js';
import { createJobQueue, type JobQueue } from '../platform/queue/queue.js';
import type { RedisConnections } from '../platform/redis.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** Every test app's HUMMDESK_ENCRYPTION_KEY (unless a test gives its own): apps on one database open each other's sealed passwords. */
export const TEST_CREDENTIALS_KEY = 'test-credentials-key-that-is-long-enough-0123456789';

export interface TestApp extends TestDatabase {
  app: FastifyInstance;
  /** The app's job queue: its events and counts show what the workers did. */
  queue: JobQueue;
  /** HUMMDESK_DATA_DIR (attachment files): the given one, or a new temporary one removed on close. */
  dataDir: string;
  close(): Promise<void>;
}

export async function createTestApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  /** `backoff`: the queue's waits between attempts, shortened for tests of retries. */
  options: { runWorkers?: boolean; logger?: pino.Logger; backoff?: Backoff } = {},
): Promise<TestApp> {
  const testDb = await createTestDatabase(kind);
  const logger = options.logger ?? pino({ level: 'silent' });
  const queue = createJobQueue({
    db: testDb.database.db,
    redisPrefix: 'hummdesk-test',
    singleProcess: kind === 'pglite',
    logger,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  // Each app its own files: account and conversation numbers repeat from one test database to the next.
  const dataDir = env.HUMMDESK_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'hummdesk-test-')));
  const app = await buildTestApp(testDb.database, { ...env, HUMMDESK_DATA_DIR: dataDir }, undefined, options.runWorkers, logger, queue);
  return {
    ...testDb,
    app,
    queue,
    dataDir,
    close: async () => {
      await app.close();
      await testDb.drop();
      if (!env.HUMMDESK_DATA_DIR) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One more API process on an existing test database (a replica, when given Redis). */
export async function buildTestApp(
  database: Database,
  env: Record<string, string> = {},
  redis?: RedisConnections,
  runWorkers = false,
  logger = pino({ level: 'silent' }),
  queue?: JobQueue,
) {
  const config = loadConfig({
    HUMMDESK_DATA_DIR: '/tmp/hummdesk-test-unused',
    LOGIN_RATE_LIMIT: '1000',
    HUMMDESK_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY,
    ...env,
  });
  const app = await buildApp({ config, database, redis, runWorkers, jwtSecret: TEST_JWT_SECRET, logger, queue });
  await app.ready();
  return app;
}

/** Listens on a free port of 127.0.0.1 and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

export interface Session {
  token: string;
  accountId: number;
  userId: number;
  auth: { authorization: string };
}

let counter = 0;

/** Registers a new account (with its administrator) and returns the session. */
export async function registerAccount(app: FastifyInstance, accountName = 'Acme'): Promise<Session> {
  counter += 1;
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: {
      accountName,
      name: `Admin ${counter}`,
      email: `admin${counter}.${process.pid}.${Date.now()}@example.com`,
      password: 'correct horse battery',
    },
  });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  const body = response.json();
  return { token: body.token, accountId: body.account.id, userId: body.user.id, auth: { authorization: `Bearer ${body.token}` } };
}

/** `app.inject` with the session's token; returns status and parsed JSON. */
export async function call(app: FastifyInstance, session: Session | undefined, options: InjectOptions) {
  const response = await app.inject({ ...options, headers: { ...(session?.auth ?? {}), ...(options.headers ?? {}) } });
  let body: any;
  try {
    body = response.body ? response.json() : undefined;
  } catch {
    body = response.body;
  }
  return { status: response.statusCode, body, headers: response.headers };
}
