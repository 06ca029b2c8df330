// npm run bench:webhooks: webhook deliveries a second that one server process sustains.
// A local receiver (in this process, on 127.0.0.1) answers 200 at once and verifies every
// signature. First one account opens a conversation and its AI triage runs (so no model loads
// during the measurement). Then a server without workers (HUMMDESK_ROLE=api) builds a backlog: 20
// webhooks subscribed to conversation.updated, and BENCH_CHANGES (default 250) changes of the
// conversation, so 20 x BENCH_CHANGES deliveries wait in the outbox. Then one server that runs
// the jobs (HUMMDESK_ROLE=all) sends them all; the figure is deliveries a second from the first
// delivery received to the last (and from the process's start). Postgres at BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/hummdesk_bench_webhooks); `--redis` runs the jobs on BullMQ
// (REDIS_URL, default redis://127.0.0.1:6379) instead of the jobs table.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { verifySignature } from '../apps/server/dist/platform/outbound/signature.js';
import { ensureBenchDatabase, login, startProcess, stop } from './processes.js';

const { values } = parseArgs({ options: { redis: { type: 'boolean', default: false } } });
const changes = Number(process.env.BENCH_CHANGES ?? 250);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_webhooks';
const WEBHOOKS = 20;
const base = 'http://127.0.0.1:5631';
const log = (line) => console.log(`[bench:webhooks] ${line}`);

// --- The receiver: counts distinct deliveries, checks each signature with its webhook's secret.
const secrets = new Map();
const seen = new Set();
let requests = 0;
let unverified = 0;
let firstAt = 0;
let lastAt = 0;
let onProgress = () => undefined;
const receiver = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    requests += 1;
    if (!verifySignature(secrets.get(request.url), request.headers['x-hummdesk-signature'], raw)) unverified += 1;
    seen.add(request.headers['x-hummdesk-delivery']);
    lastAt = performance.now();
    firstAt ||= lastAt;
    response.writeHead(200).end();
    onProgress();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverBase = `http://127.0.0.1:${receiver.address().port}`;

await ensureBenchDatabase(databaseUrl);
const env = {
  DATABASE_URL: databaseUrl,
  ...(values.redis ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', HUMMDESK_REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}` } : {}),
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  LOG_LEVEL: 'warn',
  LOGIN_RATE_LIMIT: '100000',
  HOST: '127.0.0.1',
  PORT: '5631',
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
};

let headers;
const request = async (path, body, method = 'POST') => {
  const response = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

// --- The account and its conversation, triaged before anything is measured.
let server = await startProcess(['apps/server/dist/main.js'], { ...env, HUMMDESK_ROLE: 'all' }, /running on/);
let conversation;
try {
  const token = await login(base, '/api/auth/register', {
    accountName: `Webhook bench ${randomBytes(3).toString('hex')}`,
    name: 'Bench',
    email: `webhooks-${randomBytes(4).toString('hex')}@example.com`,
    password: 'bench-password',
  });
  headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  ({ conversation } = await request('/api/conversations', { contact: { name: 'Bench customer' }, message: { content: 'Where is my parcel?' } }));
  for (let i = 0; ; i++) {
    const { data } = await request('/api/queue/jobs?limit=100', undefined, 'GET');
    if (data.length > 0 && data.every((job) => job.state === 'completed' || job.state === 'failed')) break;
    if (i > 1200) throw new Error('the triage jobs did not finish');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
} finally {
  await stop(server);
}

// --- The backlog, written by a process that sends nothing.
server = await startProcess(['apps/server/dist/main.js'], { ...env, HUMMDESK_ROLE: 'api' }, /running on/);
let expected;
try {
  for (let i = 0; i < WEBHOOKS; i++) {
    const { webhook } = await request('/api/webhooks', { url: `${receiverBase}/hook-${i}`, events: ['conversation.updated'] });
    secrets.set(`/hook-${i}`, webhook.secret);
  }
  const priorities = ['urgent', 'high', 'medium', 'low'];
  for (let i = 0; i < changes; i++) await request(`/api/conversations/${conversation.id}`, { priority: priorities[i % priorities.length] }, 'PATCH');
  expected = changes * WEBHOOKS;
  log(`${expected} deliveries waiting (${changes} changes x ${WEBHOOKS} webhooks)`);
} finally {
  await stop(server);
}

// --- One process sends the backlog.
const started = performance.now();
const allReceived = new Promise((resolve) => {
  onProgress = () => seen.size >= expected && resolve();
});
server = await startProcess(['apps/server/dist/main.js'], { ...env, HUMMDESK_ROLE: 'all' }, /running on/);
try {
  const ready = performance.now();
  const timeout = setTimeout(() => {
    log(`timed out: ${seen.size} of ${expected} received`);
    process.exit(1);
  }, 600_000);
  await allReceived;
  clearTimeout(timeout);
  const sustained = (lastAt - firstAt) / 1000;
  const overall = (lastAt - started) / 1000;
  log(
    `${seen.size} deliveries in ${sustained.toFixed(1)} s: ${Math.round(seen.size / sustained)} deliveries/s sustained by one process ` +
      `(${values.redis ? 'BullMQ' : 'jobs table'} queue, Postgres)`,
  );
  log(
    `with the process's start-up (${((ready - started) / 1000).toFixed(1)} s): ${Math.round(seen.size / overall)} deliveries/s; ` +
      `${requests - seen.size} sent again, ${unverified} with a bad signature`,
  );
  if (unverified > 0) process.exitCode = 1;
} finally {
  await stop(server);
  receiver.close();
}
