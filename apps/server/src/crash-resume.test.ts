/**
 * kill -9 in the middle of a job: the embedded server (PGlite, in-process queue) is killed while
 * a classification job is running, started again on the same data directory, and the message
 * ends up classified, exactly once. The job is held in the middle by the test: its model (a local
 * server speaking the OpenAI wire format) does not answer until the server has been killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOGIN } from './modules/demo/seed.js';
import { openAiServer, toolOf, type Hold, type WireServer } from './test-support/ai-wire-servers.js';
import { eventually } from './test-support/checks.js';
import { unusedPorts } from './test-support/ports.js';

const main = new URL('../dist/main.js', import.meta.url).pathname;
const port = await unusedPorts();
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-crash-'));

const QUESTION = 'I was charged twice for order #777';
const CLASSIFICATION = { category: 'billing', priority: 'high', sentiment: 'frustrated', language: 'en', confidence: 0.93, reasoning: 'A duplicate charge.' };

function start(model: WireServer): ChildProcess {
  return spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      HUMMDESK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      REDIS_URL: '',
      AI_PROVIDER: 'openai',
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: `${model.url}/v1`,
      // The held request must still be open when the process is killed, however long that takes.
      AI_TIMEOUT_MS: '120000',
    },
    stdio: 'ignore',
  });
}

describe('crash and resume of the embedded queue', () => {
  let server: ChildProcess | undefined;
  let model: WireServer;
  let classifying: Hold | undefined;
  beforeAll(async () => {
    model = await openAiServer();
    // A classification is answered; any other call (a draft, a health probe) is not, and the local model stands in.
    model.reply = (body) => (toolOf(body) === 'record_classification' ? { tool: CLASSIFICATION } : { status: 500 });
  });
  afterAll(async () => {
    classifying?.release();
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    await model?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const healthy = (what: string) =>
    eventually(what, async () => ((await fetch(`${base}/health`)).ok ? true : undefined), { retryOnError: true, timeoutMs: 150_000 });

  it('runs a job again after kill -9 and classifies the message once', async () => {
    const classificationsOf = (request: { path: string; body: any }) =>
      request.path.endsWith('/chat/completions') && toolOf(request.body) === 'record_classification' && JSON.stringify(request.body).includes(QUESTION);
    classifying = model.hold(classificationsOf);
    server = start(model);
    await healthy('the first start');
    const login = (await (
      await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_LOGIN) })
    ).json()) as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${login.token}` };
    const opened = (await (
      await fetch(`${base}/api/conversations`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ contact: { name: 'Crash Test' }, message: { content: QUESTION } }),
      })
    ).json()) as { conversation: { id: number }; message: { id: number } };
    const key = `msg-${opened.message.id}`;
    const jobOf = async () => {
      const jobs = (await (await fetch(`${base}/api/queue/jobs?limit=200`, { headers })).json()) as { data: unknown };
      // The classification job (the message's draft job has the same key in the ai-draft queue).
      return (jobs.data as { queue: string; key: string; state: string; attempts: number }[]).find(
        (job) => job.queue === 'ai-classification' && job.key === key,
      );
    };
    // The job has asked the model, which does not answer: it is running, and stays so, when killed.
    await classifying.arrived();
    expect(await jobOf()).toMatchObject({ state: 'active', attempts: 1 });
    server.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));

    // The model answers from now on; the restarted server runs the job again.
    classifying.release();
    server = start(model);
    await healthy('the restart');
    const classification = await eventually(
      'the classification after the restart',
      async () => {
        const response = await fetch(`${base}/api/conversations/${opened.conversation.id}/classification`, { headers });
        return response.ok ? ((await response.json()) as { classification: unknown }).classification : undefined;
      },
      { retryOnError: true },
    );
    expect(classification).toMatchObject({ messageId: opened.message.id, category: 'billing', provider: 'openai' });
    // The job's row is finished just after its handler stored the classification.
    const job = await eventually('the job to be recorded as finished', async () => {
      const found = await jobOf();
      return found && ['completed', 'failed'].includes(found.state) ? found : undefined;
    });
    expect(job).toMatchObject({ state: 'completed', attempts: 2 });
    // Once per run of the job: the killed one, and the one that finished.
    expect(model.requests.filter(classificationsOf)).toHaveLength(2);
  }, 240_000);
});
