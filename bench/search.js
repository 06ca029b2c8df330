// npm run bench:search: message search latency as the database grows. For each size (total
// messages; account 1 holds a tenth of them: 1,000,000 at 10M) a database of its own, grown from
// the previous size's copy and reused when present: GET /api/search/messages for common, rare,
// phrase and two-word queries over HTTP (p50/p95/p99 of every response), the inbox list (its
// first page, and filtered by message text), and EXPLAIN (ANALYZE, BUFFERS) of the search's query as the app role.
// Environment: BENCH_SEARCH_SIZES (default 100000,1000000; add 10000000, which takes about an
// hour to seed on 2 cores), BENCH_SEARCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hummdesk_bench_search,
// each size's database gets a suffix: _100k, _1m, _10m), BENCH_DURATION seconds per query (default 5),
// BENCH_CONNECTIONS (default 1: the latency of a search itself, without queueing).
import autocannon from 'autocannon';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { messageSearchSql } from '../apps/server/dist/modules/search/message-search.js';
import { hashPassword } from '../apps/server/dist/platform/passwords.js';
import { ensureBenchDatabase, login, startProcess, stop } from './processes.js';
import { SEARCH_ACCOUNT, seedSearch } from './search-seed.js';

const baseUrl = process.env.BENCH_SEARCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_search';
const sizes = (process.env.BENCH_SEARCH_SIZES ?? '100000,1000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const duration = Number(process.env.BENCH_DURATION ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 1);
const PASSWORD = 'bench-password';
const log = (line) => console.log(`[bench:search] ${line}`);

const QUERIES = [
  { name: 'common word (en)', q: 'order' },
  { name: 'common word, inflected (fi)', q: 'tilauksen' },
  { name: 'less common word (de)', q: 'Kopfhörer' },
  { name: 'rare: an order number', q: '79190' },
  { name: 'two words (en)', q: 'printer invoice' },
  { name: 'phrase (fr)', q: '"mot de passe"' },
];

const label = (size) => (size >= 1e6 ? `${size / 1e6}m` : `${size / 1e3}k`);
const databaseUrl = (size) => {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname}_${label(size)}`;
  return url.toString();
};

/** Exact percentiles of every response time autocannon saw. */
async function measure(name, url, token) {
  const options = { url, connections, headers: { authorization: `Bearer ${token}` } };
  await autocannon({ ...options, duration: 1 }); // warm-up, not reported
  const times = [];
  const instance = autocannon({ ...options, duration });
  instance.on('response', (_client, _status, _bytes, time) => times.push(time));
  const result = await instance;
  times.sort((a, b) => a - b);
  const at = (p) => (times.length ? Number(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(1)) : null);
  const hits = (await (await fetch(url, { headers: options.headers })).json()).data?.length;
  const figures = {
    name,
    'req/s': Math.round(result.requests.average),
    'p50 ms': at(50),
    'p95 ms': at(95),
    'p99 ms': at(99),
    hits,
    errors: result.errors + result.non2xx,
  };
  log(`${name}: p50 ${figures['p50 ms']} ms, p95 ${figures['p95 ms']} ms, p99 ${figures['p99 ms']} ms, ${figures.errors} errors/non-2xx`);
  return figures;
}

/** Creates the size's database as a copy of the previous size's (it only grows from there). */
async function prepare(size, previous) {
  const url = databaseUrl(size);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  const name = new URL(url).pathname.slice(1);
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount > 0;
  if (!exists && previous) {
    log(`copying ${label(previous)} to start ${label(size)}`);
    await admin.query(`create database ${name} template ${new URL(databaseUrl(previous)).pathname.slice(1)}`);
  }
  await admin.end();
  await ensureBenchDatabase(url);
  await seedSearch(url, size, await hashPassword(PASSWORD), log);
  return url;
}

/** The plan of the search's query for account 1, as the app role runs it (row-level security on). */
async function explain(url, q) {
  const query = new PgDialect().sqlToQuery(messageSearchSql(SEARCH_ACCOUNT, { q, sort: 'relevance', limit: 20 }, undefined));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`select set_config('role', 'hummdesk_app', true), set_config('app.current_account_id', '${SEARCH_ACCOUNT}', true)`);
    await client.query('set local jit = off');
    const { rows } = await client.query(`explain (analyze, buffers, costs off) ${query.sql}`, query.params);
    await client.query('rollback');
    const plan = rows.map((row) => row['QUERY PLAN']);
    return [plan.find((line) => /Buffers/.test(line)), ...plan.filter((line) => /Bitmap Index Scan|Index Scan Backward|Execution Time/.test(line))];
  } finally {
    await client.end();
  }
}

const results = [];
let previous;
for (const size of sizes) {
  const url = await prepare(size, previous);
  previous = size;
  const server = await startProcess(
    ['apps/server/dist/main.js'],
    {
      PORT: '5603',
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
      LOGIN_RATE_LIMIT: '10000',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    },
    /running on/,
  );
  try {
    const token = await login('http://127.0.0.1:5603', '/api/auth/login', { email: `search${SEARCH_ACCOUNT}@example.com`, password: PASSWORD });
    for (const { name, q } of QUERIES) {
      const figures = await measure(`${label(size)}: ${name}`, `http://127.0.0.1:5603/api/search/messages?q=${encodeURIComponent(q)}&limit=20`, token);
      results.push(figures);
    }
    // The inbox itself as the data grows: its first page, and filtered by message text.
    results.push(await measure(`${label(size)}: inbox list`, `http://127.0.0.1:5603/api/conversations?limit=50`, token));
    results.push(
      await measure(`${label(size)}: inbox list q=Kopfhörer`, `http://127.0.0.1:5603/api/conversations?limit=25&status=resolved&q=Kopfh%C3%B6rer`, token),
    );
    for (const q of ['order', '79190']) {
      log(`EXPLAIN (ANALYZE, BUFFERS) at ${label(size)}, account ${SEARCH_ACCOUNT}, q=${q}:`);
      for (const line of await explain(url, q)) log(`    ${line}`);
    }
  } finally {
    await stop(server);
  }
}
console.log('');
console.table(results);
const searches = results.filter((r) => !r.name.includes('inbox list'));
for (const size of sizes) {
  const worst = Math.max(...searches.filter((r) => r.name.startsWith(`${label(size)}:`)).map((r) => r['p95 ms']));
  log(`${label(size)} messages: worst search p95 ${worst} ms (target < 50 ms)`);
}
