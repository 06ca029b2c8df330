/**
 * An account's model is fitted off the event loop: while it fits, every account is served (the
 * health check too), a newer taxonomy stops the fit it overtook, and SIGTERM ends the server
 * mid-fit, the training running again after the restart. States are waited for, never times.
 *
 * The large taxonomy: 200 categories of 2 short examples. Its fit (60 passes, 200 classes) takes
 * seconds in its thread, its embedding little.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { openDatabase } from '../../db/client.js';
import { aiModels, jobs } from '../../db/schema.js';
import { decodeModel } from '../../platform/ai/model-codec.js';
import { fitsRunning } from '../../platform/ai/model-fitting.js';
import type { QueueEvent } from '../../platform/queue/jobs.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test-support/databases.js';
import { eventually } from '../../test-support/checks.js';
import { unusedPorts } from '../../test-support/ports.js';

/** 1,000 examples: a fit large enough to run at the lowest priority, for seconds. */
const LARGE = Array.from({ length: 200 }, (_, c) => ({
  name: `topic-${c}`,
  examples: [
    `Question about product line ${c} and its parts`,
    `Order ${c * 7} for range ${c} needs help`,
    `The model ${c} manual does not say how to set it up`,
    `Can I get a spare part for series ${c}?`,
    `Range ${c} stopped working after a week`,
  ],
}));
const SMALL = [
  { name: 'orders', examples: ['Where is my order?', 'My parcel has not arrived', 'Tracking shows no movement'] },
  { name: 'returns', examples: ['I want to send this back', 'How do I return an item?', 'Return label please'] },
];

/** Polls until `probe` answers something other than undefined. */
type Training = { status: string; progress: number };

describe.each(await databaseKinds())('model training off the event loop on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  const events: QueueEvent[] = [];

  const training = async (session: Session) => (await call(t.app, session, { method: 'GET', url: '/api/ai/taxonomy' })).body.training as Training;
  const ready = (session: Session) =>
    eventually('the training', async () => ((await training(session)).status === 'ready' ? true : undefined), { intervalMs: 50, retryOnError: true });
  const put = (session: Session, categories: unknown) => call(t.app, session, { method: 'PUT', url: '/api/ai/taxonomy', payload: { categories } });

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    t.queue.onEvent((event) => events.push(event));
    a = await registerAccount(t.app, 'Training A');
    b = await registerAccount(t.app, 'Training B');
    await ready(a);
    await ready(b);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('serves every account while a model fits, and stops a fit that a newer taxonomy overtook', async () => {
    expect((await put(a, LARGE)).status).toBe(200);
    // Past the embedding (90 %) and into the fit, which reports its progress from its thread.
    await eventually('the fit progressing', async () => ((await training(a)).progress > 90 ? true : undefined), { intervalMs: 50, retryOnError: true });
    expect(fitsRunning()).toBe(1);

    // Meanwhile the other account, the health check and A's classification (the last ready model) answer...
    expect((await call(t.app, b, { method: 'GET', url: '/api/conversations' })).status).toBe(200);
    expect((await call(t.app, undefined, { method: 'GET', url: '/health' })).status).toBe(200);
    const preview = await call(t.app, a, { method: 'POST', url: '/api/ai/classify', payload: { text: 'Where is my parcel? Tracking has not moved' } });
    expect(preview.status).toBe(200);
    expect(preview.body.classification.category).toBe('shipping');
    // ... before the fit ended: it is still running.
    const during = await training(a);
    expect(during.status).toBe('training');
    expect(during.progress).toBeLessThan(100);

    // The administrator saves a smaller taxonomy: the large fit's thread ends, and it stores nothing.
    expect((await put(a, SMALL)).status).toBe(200);
    await ready(a);
    expect(fitsRunning()).toBe(0);
    // The large training stopped and stored nothing (its log says so); the small one serves.
    const [row] = await withTenant(t.database.db, { accountId: a.accountId }, (tx) => tx.select().from(aiModels).where(eq(aiModels.accountId, a.accountId)));
    expect(decodeModel(row!.weights!).labels).toEqual(['orders', 'returns']);
    expect(events.some((event) => event.type === 'log' && event.line.includes('this one stopped and stores nothing'))).toBe(true);
  }, 180_000);
});

const fitServerPort = await unusedPorts();

describe.each(await databaseKinds())('SIGTERM in the middle of a fit on %s', (kind) => {
  const main = new URL('../../../dist/main.js', import.meta.url).pathname;
  const port = fitServerPort;
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-training-'));
  let database: TestDatabase | undefined;
  let server: ChildProcess | undefined;

  const start = () =>
    spawn(process.execPath, [main], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        JWT_SECRET: 'training-test-secret-that-is-long-enough-0123456789',
        REDIS_URL: '',
        ...(database?.url ? { DATABASE_URL: database.url } : { DATABASE_URL: '', HUMMDESK_DATA_DIR: dataDir }),
      },
      stdio: 'ignore',
    });
  const stop = async () => {
    server!.kill('SIGTERM');
    const [code] = await once(server!, 'exit');
    return code as number;
  };
  const api = async (path: string, token?: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    return (await response.json()) as any;
  };
  const training = async (token: string) => (await api('/api/ai/taxonomy', token)).training as Training;
  const trainJobs = async (token: string) =>
    ((await api('/api/queue/jobs?limit=200', token)).data as { queue: string; attempts: number }[]).filter((job) => job.queue === 'ai-train');

  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('postgres');
    else {
      // Migrated beforehand, so the server does not seed (and train) the demo account first.
      const embedded = await openDatabase({ dataDir });
      await embedded.migrate();
      await embedded.close();
    }
  }, 60_000);
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await once(server, 'exit');
    }
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends promptly and leaves the training to run again after the restart', async () => {
    server = start();
    await eventually('the server starting', async () => ((await fetch(`${base}/health`)).ok ? true : undefined), { intervalMs: 50, retryOnError: true });
    const registered = await api('/api/auth/register', undefined, {
      method: 'POST',
      body: JSON.stringify({ accountName: 'Shutdown', name: 'Admin', email: `shutdown.${Date.now()}@example.com`, password: 'correct horse battery' }),
    });
    const token = registered.token as string;
    await eventually('the default model', async () => ((await training(token)).status === 'ready' ? true : undefined), { intervalMs: 50, retryOnError: true });
    await api('/api/ai/taxonomy', token, { method: 'PUT', body: JSON.stringify({ categories: LARGE }) });
    await eventually('the fit progressing', async () => ((await training(token)).progress > 90 ? true : undefined), { intervalMs: 50, retryOnError: true });

    // Exit code 0: the graceful close finished (close-with-grace exits with 1 when its 10 s run out).
    expect(await stop()).toBe(0);

    // What it left: the model as it was (the default one, still to be trained), the job to run again.
    const accountId = registered.account.id as number;
    const left = database?.database ?? (await openDatabase({ dataDir }));
    try {
      const [model] = await withTenant(left.db, { accountId }, (tx) =>
        tx.select({ status: aiModels.status, version: aiModels.version }).from(aiModels).where(eq(aiModels.accountId, accountId)),
      );
      expect(model).toEqual({ status: 'training', version: 1 });
      const [job] = await withTenant(left.db, { accountId }, (tx) =>
        tx
          .select({ state: jobs.state, attempts: jobs.attempts, lastError: jobs.lastError })
          .from(jobs)
          .where(and(eq(jobs.accountId, accountId), eq(jobs.queue, 'ai-train')))
          .orderBy(desc(jobs.id))
          .limit(1),
      );
      expect(job).toEqual({ state: 'waiting', attempts: 1, lastError: 'the server is shutting down' });
    } finally {
      if (!database) await left.close();
    }

    server = start();
    await eventually('the restart', async () => ((await fetch(`${base}/health`)).ok ? true : undefined), { intervalMs: 50, retryOnError: true });
    await eventually('the training starting again', async () => ((await trainJobs(token))[0]!.attempts === 2 ? true : undefined), {
      intervalMs: 50,
      retryOnError: true,
    });
    expect(await stop()).toBe(0);
  }, 240_000);
});
