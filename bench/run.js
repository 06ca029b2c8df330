// npm run bench: prints throughput and latency figures measured on this machine.
//   1. GET /health of HummDesk next to a bare Fastify hello-world (same run, same load).
//   2. GET /api/conversations (JWT, membership check, tenant transaction, 50 rows) on real
//      Postgres holding 1,000,000 conversations over 1,000 accounts.
// Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hummdesk_bench),
// BENCH_DURATION seconds per measurement (default 10), BENCH_CONNECTIONS (default 50).
import autocannon from 'autocannon';
import { hashPassword } from '../apps/server/dist/platform/passwords.js';
import { ensureBenchDatabase, login, startProcess, stop } from './processes.js';
import { ACCOUNTS, seedMillion } from './seed-million.js';

const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PASSWORD = 'bench-password';
const log = (line) => console.log(`[bench] ${line}`);

async function load(name, options) {
  const clients = options.connections ?? connections;
  await autocannon({ ...options, connections: clients, duration: 2 }); // warm-up, not reported
  const result = await autocannon({ ...options, connections: clients, duration });
  const errors = result.errors + result.timeouts + result.non2xx;
  const figures = {
    name: `${name}, ${clients} connection${clients === 1 ? '' : 's'}`,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    errors,
  };
  log(`${figures.name}: ${figures['req/s']} req/s, p50 ${figures['p50 ms']} ms, p99 ${figures['p99 ms']} ms, ${errors} errors/non-2xx`);
  return figures;
}

await ensureBenchDatabase(databaseUrl);
await seedMillion(databaseUrl, await hashPassword(PASSWORD), log);

const hello = await startProcess(['bench/hello-server.js'], { PORT: '5601' }, /ready/);
const server = await startProcess(
  ['apps/server/dist/main.js'],
  {
    PORT: '5602',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    LOGIN_RATE_LIMIT: '10000',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  },
  /running on/,
);
try {
  const results = [];
  results.push(await load('bare Fastify hello-world', { url: 'http://127.0.0.1:5601/' }));
  results.push(await load('HummDesk GET /health (database ping)', { url: 'http://127.0.0.1:5602/health' }));
  const tokens = [];
  for (let i = 0; i < 50; i++)
    tokens.push(
      await login('http://127.0.0.1:5602', '/api/auth/login', { email: `bench${1 + Math.floor((i * ACCOUNTS) / 50)}@example.com`, password: PASSWORD }),
    );
  let next = 0;
  const listConversations = {
    url: 'http://127.0.0.1:5602/api/conversations?limit=50',
    requests: [
      {
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
      },
    ],
  };
  const listName = 'HummDesk GET /api/conversations?limit=50 (1M rows, 50 accounts rotating)';
  results.push(await load(listName, listConversations));
  // One client at a time: the latency of the request itself, without queueing.
  results.push(await load(listName, { ...listConversations, connections: 1 }));
  console.log('');
  console.table(results);
  log(`/health throughput is ${(results[1]['req/s'] / results[0]['req/s']).toFixed(2)} x the bare hello-world on this machine`);
} finally {
  await stop(hello);
  await stop(server);
}
