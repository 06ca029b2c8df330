// npm run bench:first-ticket: how soon the first customer message of a fresh install is triaged.
// Starts `node apps/server/dist/main.js` on a new embedded PGlite data directory (so it migrates
// and seeds the demo account, as `npm start` does on a fresh clone) and times three cases:
// - fresh: the demo ticket (POST /api/demo/generate-ticket) the moment /health answers
//          (BENCH_FRESH_RUNS servers, default 1);
// - warm:  another server on another new directory, its demo ticket BENCH_WARM seconds (default
//          10, 0: no warm cases) after /health answered;
// - new account: on that warm server, an account registered and its first message posted at once.
// Each time is from the POST to the first GET /api/conversations/:id/classification that answers
// 200 (polled every 50 ms, given up after BENCH_TIMEOUT seconds, default 60). Prints the server's
// timeline (its job log lines) relative to its spawn, and a summary.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { login } from './processes.js';

const warmSeconds = Number(process.env.BENCH_WARM ?? 10);
const timeoutMs = Number(process.env.BENCH_TIMEOUT ?? 60) * 1000;
const port = Number(process.env.BENCH_PORT ?? 5641);
const base = `http://127.0.0.1:${port}`;
const log = (line) => console.log(`[bench:first-ticket] ${line}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The server on a new data directory, its log lines kept with their time since the spawn. */
function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-first-ticket-'));
  const env = { LOG_LEVEL: 'info', LOGIN_RATE_LIMIT: '100000', HOST: '127.0.0.1', PORT: String(port), HUMMDESK_DATA_DIR: dataDir };
  const spawnedAt = Date.now();
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'apps/server/dist/main.js'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const timeline = [];
  let rest = '';
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      try {
        const entry = JSON.parse(line);
        // Requests are the bench's own (and its polls' 404s until the classification exists).
        if (entry.msg && !entry.reqId && !entry.requestId && !/^(incoming request|request completed)$/.test(entry.msg)) {
          timeline.push({ at: entry.time - spawnedAt, line: `${entry.queue ? `[${entry.queue}] ` : ''}${entry.msg}` });
        }
      } catch {
        // The banner and other plain lines.
      }
    }
  });
  const mark = (line) => timeline.push({ at: Date.now() - spawnedAt, line: `(bench) ${line}` });
  return {
    spawnedAt,
    timeline,
    mark,
    async healthy() {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
        const ok = await fetch(`${base}/health`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) return Date.now() - spawnedAt;
        await sleep(50);
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function post(path, token) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Posts a ticket and polls its classification; the milliseconds from the POST to it, or null. */
async function timeFirstClassification(server, name, token, ticketToken) {
  const posted = Date.now();
  server.mark(`${name}: POST /api/demo/generate-ticket`);
  const { conversationId } = await post('/api/demo/generate-ticket', ticketToken);
  server.mark(`${name}: POST answered`);
  const viewer = await token;
  while (Date.now() - posted < timeoutMs) {
    const response = await fetch(`${base}/api/conversations/${conversationId}/classification`, { headers: { authorization: `Bearer ${viewer}` } });
    if (response.ok) {
      const { classification } = await response.json();
      const ms = Date.now() - posted;
      server.mark(`${name}: classified ${classification.category} (${classification.confidence}) after ${seconds(ms)}`);
      return ms;
    }
    await sleep(50);
  }
  server.mark(`${name}: no classification after ${seconds(timeoutMs)}`);
  return null;
}

const demoLogin = () => login(base, '/api/auth/login', { email: 'admin@northwind.example', password: 'hummdesk-demo' });

function printTimeline(title, server) {
  log(`${title}: the server's timeline (seconds since its spawn)`);
  for (const { at, line } of server.timeline.sort((a, b) => a.at - b.at)) console.log(`  ${(at / 1000).toFixed(2).padStart(7)}  ${line}`);
}

const results = [];

// Fresh: the ticket the moment the server answers (BENCH_FRESH_RUNS times, default 1).
for (let run = 0; run < Number(process.env.BENCH_FRESH_RUNS ?? 1); run++) {
  const fresh = startServer();
  try {
    const up = await fresh.healthy();
    fresh.mark('/health answered');
    const ms = await timeFirstClassification(fresh, 'fresh', demoLogin());
    results.push({ case: 'fresh (ticket at /health)', startMs: up, ms });
  } finally {
    await fresh.stop();
    printTimeline('fresh', fresh);
  }
}
if (process.env.BENCH_WARM === '0') {
  printSummary();
  process.exit(0);
}

// Warm: the ticket some seconds after; then a new account's first message.
const warm = startServer();
try {
  const up = await warm.healthy();
  warm.mark('/health answered');
  await sleep(warmSeconds * 1000);
  results.push({ case: `warm (ticket ${warmSeconds} s after /health)`, startMs: up, ms: await timeFirstClassification(warm, 'warm', demoLogin()) });
  const owner = await login(base, '/api/auth/register', {
    accountName: 'First Ticket Bench',
    name: 'Bench',
    email: `first-ticket-${randomBytes(4).toString('hex')}@example.com`,
    password: 'bench-password',
  });
  warm.mark('new account registered');
  results.push({ case: 'new account (first message at once)', startMs: up, ms: await timeFirstClassification(warm, 'new account', owner, owner) });
} finally {
  await warm.stop();
  printTimeline('warm', warm);
}

printSummary();

function printSummary() {
  log('summary');
  console.table(results.map((r) => ({ case: r.case, 'spawn → /health': seconds(r.startMs), 'POST → classification': r.ms === null ? 'none' : seconds(r.ms) })));
}
