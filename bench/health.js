// npm run bench:health: what GET /health, /health/live and /health/ready cost, next to a bare
// Fastify hello-world in the same run. The three answer from the background checks of the
// database and Redis; the target is /health at 0.7 x the hello-world's requests a second.
// Also counts the database transactions made while /health was measured (load-independent: the
// background checks only, one every HEALTH_CHECK_INTERVAL_MS).
// Environment: BENCH_HEALTH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hummdesk_bench_health,
// created and migrated if missing; no seeding), BENCH_DURATION seconds per measurement (default 10),
// BENCH_CONNECTIONS (default 50).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { ensureBenchDatabase, startProcess, stop } from './processes.js';

const databaseUrl = process.env.BENCH_HEALTH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_health';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const log = (line) => console.log(`[bench:health] ${line}`);
// Ports of their own, so this runs beside the other benchmarks' servers.
const HELLO = 'http://127.0.0.1:5681';
const SERVER = 'http://127.0.0.1:5682';

/** CPU time a process has used so far, in microseconds (Linux; the clock ticks are 10 ms). */
function cpuMicroseconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Requests a second and latencies, and the CPU the serving process spent per request: on a
 * machine shared with the load generator (and other work), CPU per request varies less than
 * requests a second.
 */
async function load(name, url, pid) {
  await autocannon({ url, connections, duration: 2 }); // warm-up, not reported
  const cpuBefore = cpuMicroseconds(pid);
  const result = await autocannon({ url, connections, duration });
  return {
    name,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    'CPU µs/req': Math.round((cpuMicroseconds(pid) - cpuBefore) / result.requests.total),
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Waits until the process uses less than a tenth of a core over a second (two minutes at most). */
async function idle(pid) {
  for (let seconds = 0; seconds < 120; seconds++) {
    const before = cpuMicroseconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (cpuMicroseconds(pid) - before < 100_000) return;
  }
  throw new Error('the server did not settle within two minutes');
}

/** Transactions the bench database has committed or rolled back, all processes together. */
async function transactions(client) {
  // Backends report their counts at most once a second: a fresh snapshot after that.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await client.query('select pg_stat_clear_snapshot()');
  const { rows } = await client.query('select xact_commit + xact_rollback as count from pg_stat_database where datname = current_database()');
  return Number(rows[0].count);
}

await ensureBenchDatabase(databaseUrl);
const dataDir = await mkdtemp(join(tmpdir(), 'hummdesk-bench-health-'));
const started = [];
const stats = new pg.Client({ connectionString: databaseUrl });
try {
  started.push(await startProcess(['bench/hello-server.js'], { PORT: '5681' }, /ready/));
  const server = await startProcess(
    ['apps/server/dist/main.js'],
    {
      PORT: '5682',
      HOST: '127.0.0.1',
      // An API replica, what a load balancer's probes reach (no job workers polling the database).
      HUMMDESK_ROLE: 'api',
      DATABASE_URL: databaseUrl,
      HUMMDESK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    },
    /running on/,
  );
  started.push(server);
  await stats.connect();
  // /health's ai check loads the sentence encoder at the first /health: measured once it has,
  // and once the process has done settling (the model's first embeddings keep a core busy).
  for (let tries = 0; (await (await fetch(`${SERVER}/health`)).json()).checks.ai.status !== 'ok'; tries++) {
    if (tries === 600) throw new Error('the AI check was not ok after 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await idle(server.pid);
  // Each route right after a hello-world of its own: the load of this shared machine changes by the minute.
  const rows = [];
  let during;
  for (const path of ['/health', '/health/live', '/health/ready']) {
    const hello = await load('bare Fastify hello-world', `${HELLO}/`, started[0].pid);
    const before = path === '/health' ? await transactions(stats) : 0;
    const route = await load(`GET ${path}`, `${SERVER}${path}`, server.pid);
    if (path === '/health') during = { requests: route.requests + route.errors, transactions: (await transactions(stats)) - before };
    rows.push(hello, { ...route, 'x hello-world': (route['req/s'] / hello['req/s']).toFixed(2) });
  }

  console.log('');
  console.table(rows);
  log(`${connections} connections, ${duration} s each after a 2 s warm-up`);
  log(`/health: ${rows[1]['x hello-world']} x the bare hello-world's requests a second (target: 0.7)`);
  log(
    `database transactions while /health answered ${during.requests} requests: ${during.transactions} ` +
      '(the background checks, one every 5 s; none per request)',
  );
} finally {
  await stats.end().catch(() => undefined);
  for (const child of started) await stop(child);
  await rm(dataDir, { recursive: true, force: true });
}
