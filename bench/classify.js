// npm run bench:classify: AI triage with the local provider, both queue backends.
// For each backend: the latency from POST of a customer message to its ai:classification on a
// socket, at a light steady rate (BENCH_RATE messages/s, default 5, for BENCH_DURATION s,
// default 10), then the sustained classification rate with a burst of BENCH_BURST messages
// (default 200) posted 10 at a time.
//   in-process: one server (HUMMDESK_ROLE=all) on an embedded PGlite in a temporary directory;
//   BullMQ: an API process and a worker process on Postgres (BENCH_DATABASE_URL) and Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { ensureBenchDatabase, login, startProcess, stop } from './processes.js';

const rate = Number(process.env.BENCH_RATE ?? 5);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const burst = Number(process.env.BENCH_BURST ?? 200);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (line) => console.log(`[bench:classify] ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const TEXTS = [
  'I was charged twice for order #48213',
  'Where is my parcel? Tracking has not moved for a week',
  'The Trails app crashes when I open the map',
  'How do I export my routes to GPX?',
  'I forgot my password and the reset mail never comes',
  'Please add a dark mode to the app',
  'I want a refund for the tent I returned last week',
  'Do you have a shop in Helsinki?',
];

async function measure(name, base) {
  const token = await login(base, '/api/auth/register', {
    accountName: `Classify bench ${randomBytes(3).toString('hex')}`,
    name: 'Bench',
    email: `classify-${randomBytes(4).toString('hex')}@example.com`,
    password: 'bench-password',
  });
  const socket = io(base, { auth: { token }, transports: ['websocket'] });
  await new Promise((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
  const waiting = new Map(); // message id -> resolve(receivedAt)
  const early = new Map();
  socket.on('ai:classification', (envelope) => {
    const at = performance.now();
    const resolve = waiting.get(envelope.data.messageId);
    if (resolve) resolve(at);
    else early.set(envelope.data.messageId, at);
  });
  const post = async (i) => {
    const started = performance.now();
    const response = await fetch(`${base}/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ contact: { name: `Customer ${i}` }, message: { content: TEXTS[i % TEXTS.length] } }),
    });
    if (response.status !== 201) throw new Error(`POST answered ${response.status}`);
    const { message } = await response.json();
    const receivedAt = early.get(message.id) ?? (await new Promise((resolve) => waiting.set(message.id, resolve)));
    return receivedAt - started;
  };
  // Warm-up: the account's first model is trained before its first classification.
  await post(0);

  const latencies = [];
  const steady = [];
  const begin = performance.now();
  for (let i = 0; i < rate * duration; i++) {
    const wait = begin + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    steady.push(post(i).then((ms) => latencies.push(ms)));
  }
  await Promise.all(steady);
  latencies.sort((a, b) => a - b);
  log(
    `${name}: POST -> ai:classification at ${rate}/s: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms (${latencies.length} messages)`,
  );

  const burstStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < burst) await post(next++);
    }),
  );
  const seconds = (performance.now() - burstStart) / 1000;
  log(
    `${name}: ${burst} messages posted 10 at a time, all classified in ${seconds.toFixed(1)} s: ${(burst / seconds).toFixed(1)} classified messages/s sustained`,
  );
  socket.disconnect();
}

const common = { LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000', HOST: '127.0.0.1', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' };
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-'));
const embedded = await startProcess(['apps/server/dist/main.js'], { ...common, PORT: '5621', HUMMDESK_DATA_DIR: dataDir }, /running on/);
try {
  await measure('in-process (PGlite)', 'http://127.0.0.1:5621');
} finally {
  await stop(embedded);
  rmSync(dataDir, { recursive: true, force: true });
}

await ensureBenchDatabase(databaseUrl);
const scaled = { ...common, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, HUMMDESK_REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}` };
const api = await startProcess(['apps/server/dist/main.js'], { ...scaled, PORT: '5622', HUMMDESK_ROLE: 'api' }, /running on/);
const worker = await startProcess(['apps/server/dist/main.js'], { ...scaled, HUMMDESK_ROLE: 'worker', LOG_LEVEL: 'info' }, /worker started/);
try {
  await measure('BullMQ (API + 1 worker, Postgres, Redis)', 'http://127.0.0.1:5622');
} finally {
  await stop(api);
  await stop(worker);
}
