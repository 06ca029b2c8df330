// npm run bench: prints throughput and latency figures measured on this machine.
//   1. GET /health of HummDesk next to a bare Fastify hello-world (same run, same load).
//   2. GET /api/conversations (JWT, membership check, tenant transaction, 50 rows) on real
//      Postgres holding 1,000,000 conversations over 1,000 accounts, at 50 connections and 1.
//   3. Opening a conversation as the web app does (the conversation, its first 100 messages,
//      its classification and its draft) and posting a reply, at 50 connections.
//   4. Database round trips per request of the main routes, counted in a second server process
//      (bench/count-round-trips.js preloaded), one request at a time: a load-independent figure.
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
/** Accounts whose administrators take part, spread over the 1,000. */
const BENCH_ACCOUNTS = 50;
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

function startServer(port, nodeArgs = []) {
  return startProcess(
    [...nodeArgs, 'apps/server/dist/main.js'],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      LOGIN_RATE_LIMIT: '10000',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    },
    /running on/,
  );
}

/** Bench account n (0..49): its number among the 1,000, and one of its conversations (seed-million.js: i belongs to i % 1000 + 1). */
const benchAccount = (n) => 1 + Math.floor((n * ACCOUNTS) / BENCH_ACCOUNTS);
const conversationOf = (account, k) => account - 1 + ACCOUNTS * (1 + (k % 900));

/** The requests that open a conversation in the web app (ConversationPane.vue, AiPanel.vue). */
const openingPaths = (id) => [
  `/api/conversations/${id}`,
  `/api/conversations/${id}/messages?order=asc&limit=100`,
  `/api/conversations/${id}/classification`,
  `/api/conversations/${id}/drafts`,
];

await ensureBenchDatabase(databaseUrl);
await seedMillion(databaseUrl, await hashPassword(PASSWORD), log);

const hello = await startProcess(['bench/hello-server.js'], { PORT: '5601' }, /ready/);
const server = await startServer(5602);
const base = 'http://127.0.0.1:5602';
const results = [];
const tokens = [];
try {
  results.push(await load('bare Fastify hello-world', { url: 'http://127.0.0.1:5601/' }));
  results.push(await load('HummDesk GET /health', { url: `${base}/health` }));
  for (let n = 0; n < BENCH_ACCOUNTS; n++)
    tokens.push(await login(base, '/api/auth/login', { email: `bench${benchAccount(n)}@example.com`, password: PASSWORD }));
  let next = 0;
  const listConversations = {
    url: `${base}/api/conversations?limit=50`,
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

  // Each connection opens one conversation after another, each of another account: its four requests in turn.
  let opened = 0;
  const opening = openingPaths(0).map((_, step) => ({
    setupRequest: (request, context) => {
      if (step === 0) {
        const n = opened++ % BENCH_ACCOUNTS;
        context.conversation = { token: tokens[n], id: conversationOf(benchAccount(n), opened) };
      }
      const { token, id } = context.conversation;
      return { ...request, path: openingPaths(id)[step], headers: { ...request.headers, authorization: `Bearer ${token}` } };
    },
  }));
  results.push(await load('opening a conversation: its 4 requests (2 answer 404: no AI ran on the bench data)', { url: base, requests: opening }));
  let replies = 0;
  const reply = {
    url: base,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = replies++ % BENCH_ACCOUNTS;
          return {
            ...request,
            path: `/api/conversations/${conversationOf(benchAccount(n), replies)}/messages`,
            headers: { ...request.headers, authorization: `Bearer ${tokens[n]}`, 'content-type': 'application/json' },
            body: JSON.stringify({ content: 'Thanks, we are looking into it.' }),
          };
        },
      },
    ],
  };
  results.push(await load('HummDesk POST /api/conversations/:id/messages (a reply)', reply));
  console.log('');
  console.table(results);
  const bare = results[0]['req/s'];
  log(`/health throughput is ${(results[1]['req/s'] / bare).toFixed(2)} x the bare hello-world on this machine`);
  log(`inbox list throughput is ${(results[2]['req/s'] / bare).toFixed(3)} x the bare hello-world on this machine`);
} finally {
  await stop(hello);
  await stop(server);
}

// Round trips, in a server of their own: the counting hooks cost time, so they stay out of the figures above.
const counting = await startServer(5603, ['--import', './bench/count-round-trips.js']);
try {
  const countedBase = 'http://127.0.0.1:5603';
  const token = await login(countedBase, '/api/auth/login', { email: `bench${benchAccount(0)}@example.com`, password: PASSWORD });
  const id = conversationOf(benchAccount(0), 1);
  const routes = [
    ['GET', '/api/conversations?limit=50'],
    ['GET', '/api/conversations/meta'],
    ...openingPaths(id).map((path) => ['GET', path]),
    ['POST', `/api/conversations/${id}/messages`, { content: 'Counting round trips' }],
    ['GET', '/api/contacts?limit=50'],
  ];
  const counts = [];
  for (const [method, path, body] of routes) {
    let roundTrips = 0;
    let status = 0;
    // The last of three: the first ones may warm caches (prepared plans, the JWT key).
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${countedBase}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      await response.arrayBuffer();
      status = response.status;
      roundTrips = Number(response.headers.get('x-round-trips'));
    }
    counts.push({ route: `${method} ${path.replace(/\d{2,}/g, ':id')}`, status, 'round trips': roundTrips });
  }
  console.log('');
  console.table(counts);
} finally {
  await stop(counting);
}
