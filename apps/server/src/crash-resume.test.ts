/**
 * kill -9 in the middle of a job: the embedded server (PGlite, in-process queue) is killed while
 * a classification job is running, started again on the same data directory, and the message
 * ends up classified, exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_LOGIN } from './modules/demo/seed.js';

const main = new URL('../dist/main.js', import.meta.url).pathname;
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-crash-'));

function start(): ChildProcess {
  return spawn(process.execPath, [main], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', HUMMDESK_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' },
    stdio: 'ignore',
  });
}

async function until<T>(probe: () => Promise<T | undefined>, seconds: number, what: string): Promise<T> {
  for (let i = 0; i < seconds * 20; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not happen within ${seconds} s`);
}

describe('crash and resume of the embedded queue', () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a job again after kill -9 and classifies the message once', async () => {
    server = start();
    await until(async () => ((await fetch(`${base}/health`)).ok ? true : undefined), 60, 'first start');
    const login = await (
      await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_LOGIN) })
    ).json() as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${login.token}` };
    const opened = await (
      await fetch(`${base}/api/conversations`, { method: 'POST', headers, body: JSON.stringify({ contact: { name: 'Crash Test' }, message: { content: 'I was charged twice for order #777' } }) })
    ).json() as { conversation: { id: number }; message: { id: number } };
    const key = `msg-${opened.message.id}`;
    const jobOf = async () => {
      const jobs = (await (await fetch(`${base}/api/queue/jobs?limit=200`, { headers })).json()) as { data: unknown };
      // The classification job (the message's draft job has the same key in the ai-draft queue).
      return (jobs.data as { queue: string; key: string; state: string; attempts: number }[]).find((job) => job.queue === 'ai-classification' && job.key === key);
    };
    // The account's first model is still training: the classification job is running when killed.
    await until(async () => ((await jobOf())?.state === 'active' ? true : undefined), 20, 'the job starting');
    server.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));

    server = start();
    await until(async () => ((await fetch(`${base}/health`)).ok ? true : undefined), 60, 'restart');
    const classification = await until(async () => {
      const response = await fetch(`${base}/api/conversations/${opened.conversation.id}/classification`, { headers });
      return response.ok ? ((await response.json()) as { classification: unknown }).classification : undefined;
    }, 60, 'classification after restart');
    expect(classification).toMatchObject({ messageId: opened.message.id, category: 'billing', provider: 'local' });
    const job = await jobOf();
    expect(job).toMatchObject({ state: 'completed', attempts: 2 });
  }, 180_000);
});
