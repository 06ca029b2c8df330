// npm run bench:memory: resident memory of the two shapes an install runs.
// - embedded: `node apps/server/dist/main.js` as `npm start` runs it on a fresh clone (no
//   DATABASE_URL: PGlite in a new temporary data directory, which it creates, migrates and seeds;
//   the in-process queue; the local AI model), then restarted on that directory;
// - replica: an API replica (HUMMDESK_ROLE=api) on Postgres and Redis, with a worker process
//   (HUMMDESK_ROLE=worker) running its jobs, as docker-compose.yml runs them.
// Each is sampled when /health first answers, once its start-up work is done (queue idle, and for
// the embedded server the encoder it warms up loaded), and after BENCH_TICKETS (default 1,000)
// demo tickets (POST /api/demo/generate-ticket, BENCH_CONCURRENCY at once, default 4) are
// classified and drafted (queue idle again). Resident memory is the process's VmRSS (worker
// threads share it), and the peak its VmHWM, of the process and any child processes alive then.
// A child gone before the first sample (the embedded server creates a new PGlite data directory in
// one) gets a row of its own: its peak as last read while the bench waited for /health (every
// 100 ms, so a rise in its last 100 ms is missed).
// The demo route takes 60 tickets a minute per client address: the bench spreads its tickets
// over client addresses (X-Forwarded-For, believed from loopback with TRUST_PROXY=loopback).
// Environment: BENCH_DATABASE_URL (default .../hummdesk_bench_memory, dropped and created anew),
// REDIS_URL (default local), BENCH_ONLY=embedded|replica, BENCH_NODE_ARGS (Node flags for the
// servers, e.g. --heapsnapshot-signal=SIGUSR2); the servers inherit the rest (e.g. MALLOC_ARENA_MAX).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startProcess, stop } from './processes.js';

const tickets = Number(process.env.BENCH_TICKETS ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_memory';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const only = process.env.BENCH_ONLY;
const TICKETS_PER_ADDRESS = 50;
const log = (line) => console.log(`[bench:memory] ${line}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process's memory in MB, with its living descendants' (the PGlite init child has ended by the samples). */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  const own = { rss: field('VmRSS') / 1024, peak: field('VmHWM') / 1024, threads: field('Threads') };
  for (const child of children(pid)) {
    const theirs = memory(child);
    own.rss += theirs.rss;
    own.peak += theirs.peak;
  }
  return own;
}

function children(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
  } catch {
    return [];
  }
}

const rows = [];
function sample(shape, moment, child) {
  const { rss, peak, threads } = memory(child.pid);
  rows.push({ shape, moment, rss, peak, threads });
  log(`${shape}, ${moment}: ${rss.toFixed(0)} MB resident, peak ${peak.toFixed(0)} MB, ${threads} threads`);
}

/** The jobs waiting or running, from the queue_jobs gauge of /metrics. */
async function jobsLeft(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  return [...text.matchAll(/^queue_jobs\{queue="[^"]+",state="(waiting|active)"\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[2]), 0);
}

/** Until no job waits or runs, twice in a row a second apart (a classification queues its draft). */
async function queueIdle(base) {
  let idleTimes = 0;
  while (idleTimes < 2) {
    idleTimes = (await jobsLeft(base)) === 0 ? idleTimes + 1 : 0;
    await sleep(1000);
  }
}

/**
 * Started, and answering /health (startProcess waits 30 s at most; a busy machine can take longer).
 * `startChildrenPeak`: the largest sum of the servers' children's peaks read meanwhile (MB).
 */
async function startServer(env, base) {
  let startChildrenPeak = 0;
  const watch = setInterval(() => {
    try {
      const now = children(process.pid)
        .flatMap(children)
        .reduce((sum, pid) => sum + memory(pid).peak, 0);
      startChildrenPeak = Math.max(startChildrenPeak, now);
    } catch {
      // A child ended between its listing and its reading: the next reading counts.
    }
  }, 100);
  try {
    const child = await startProcess(['apps/server/dist/main.js'], env, /running on/);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
      if (
        await fetch(`${base}/health`).then(
          (response) => response.ok,
          () => false,
        )
      )
        return Object.assign(child, { startChildrenPeak });
      await sleep(200);
    }
  } finally {
    clearInterval(watch);
  }
}

/** Whether the server has its local model in memory, as /health says. */
async function modelLoaded(base) {
  const health = await (await fetch(`${base}/health`)).json();
  return health.checks?.ai?.localModelLoaded === true;
}

/** Until /health says the local model is in memory (the embedded server warms it up at start). */
async function encoderLoaded(base) {
  while (!(await modelLoaded(base))) await sleep(500);
}

async function postTickets(base) {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const client = async () => {
    while (next < tickets) {
      const i = next++;
      const address = `10.77.${Math.floor(i / TICKETS_PER_ADDRESS / 250)}.${(Math.floor(i / TICKETS_PER_ADDRESS) % 250) + 1}`;
      const response = await fetch(`${base}/api/demo/generate-ticket`, { method: 'POST', headers: { 'x-forwarded-for': address } });
      if (response.status !== 201) failed += 1;
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  log(`${tickets} demo tickets posted in ${((performance.now() - started) / 1000).toFixed(1)} s${failed ? ` (${failed} failed)` : ''}`);
}

const common = { LOG_LEVEL: 'warn', HOST: '127.0.0.1', TRUST_PROXY: 'loopback' };

async function embedded() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-memory-'));
  const env = { ...common, PORT: '5651', HUMMDESK_DATA_DIR: dataDir };
  const base = 'http://127.0.0.1:5651';
  try {
    let server = await startServer(env, base);
    try {
      rows.push({ shape: 'embedded', moment: 'fresh start, its child processes (PGlite init), peak', peak: server.startChildrenPeak });
      log(`embedded, fresh start: child processes (PGlite init) peaked at ${server.startChildrenPeak.toFixed(0)} MB`);
      sample('embedded', 'fresh start, /health answers', server);
      await encoderLoaded(base);
      await queueIdle(base);
      sample('embedded', 'fresh start, settled', server);
      await postTickets(base);
      await queueIdle(base);
      sample('embedded', `after ${tickets} tickets`, server);
    } finally {
      await stop(server);
    }
    server = await startServer(env, base);
    try {
      await encoderLoaded(base);
      await queueIdle(base);
      sample('embedded', `restart (${tickets} tickets kept), settled`, server);
    } finally {
      await stop(server);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function replica() {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new pg.Client({ connectionString: Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  await admin.query(`create database "${name.replaceAll('"', '""')}"`);
  await admin.end();
  const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-memory-'));
  const env = {
    ...common,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    HUMMDESK_REDIS_PREFIX: `bench-memory-${randomBytes(3).toString('hex')}`,
    HUMMDESK_DATA_DIR: dataDir,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  };
  // Migrated and seeded once, as `npm run cluster` does before its replicas start.
  execFileSync(process.execPath, ['apps/server/dist/cli/seed.js'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  const base = 'http://127.0.0.1:5652';
  const worker = await startProcess(['apps/server/dist/main.js'], { ...env, HUMMDESK_ROLE: 'worker', LOG_LEVEL: 'info' }, /worker started/);
  const api = await startServer({ ...env, HUMMDESK_ROLE: 'api', PORT: '5652' }, base);
  try {
    // Its /health does not load the local model (the AI requests it answers itself do): each row says whether it is in.
    const model = async () => `(local model ${(await modelLoaded(base)) ? 'loaded' : 'not loaded'})`;
    sample('replica (api)', `start, /health answers ${await model()}`, api);
    await queueIdle(base);
    sample('replica (api)', `start, settled ${await model()}`, api);
    await postTickets(base);
    await queueIdle(base);
    sample('replica (api)', `after ${tickets} tickets ${await model()}`, api);
    sample('worker', `after ${tickets} tickets`, worker);
  } finally {
    await stop(api);
    await stop(worker);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (only !== 'replica') await embedded();
if (only !== 'embedded') await replica();

console.log('\n| process | moment | resident MB | peak MB | threads |\n|---|---|---|---|---|');
const figure = (value) => (value === undefined ? '–' : value.toFixed(0));
for (const row of rows) console.log(`| ${row.shape} | ${row.moment} | ${figure(row.rss)} | ${figure(row.peak)} | ${row.threads ?? '–'} |`);
