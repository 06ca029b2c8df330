// npm run bench:training: what one account's large taxonomy costs the others.
// One server (HUMMDESK_ROLE=all) on an embedded PGlite in a temporary directory (`--postgres`: on
// BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hummdesk_bench_training), two
// accounts. Account B's inbox page (GET /api/conversations?limit=50) and GET /health are requested
// at BENCH_RATE per second each (default 10, open loop: a stalled server shows as queued requests)
// for BENCH_IDLE seconds at idle (default 30), then all the while account A trains BENCH_EXAMPLES
// (default 10,000) synthetic examples over 77 categories through PUT /api/ai/taxonomy; A's status
// is polled until ready. Prints latency by phase (idle, embedding, fitting) and A's training time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { benchDatabaseEnv, login, startProcess, stop } from './processes.js';

const { values } = parseArgs({ options: { postgres: { type: 'boolean', default: false } } });
const rate = Number(process.env.BENCH_RATE ?? 10);
const idleSeconds = Number(process.env.BENCH_IDLE ?? 30);
const exampleCount = Number(process.env.BENCH_EXAMPLES ?? 10_000);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_training';
const log = (line) => console.log(`[bench:training] ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- Synthetic support messages: 11 products × 7 issues = 77 categories, from templates, seeded.
const AREAS = [
  ['invoice', 'bill', 'receipt', 'statement'],
  ['parcel', 'package', 'delivery', 'shipment'],
  ['mobile app', 'iPhone app', 'Android app', 'app'],
  ['account', 'login', 'profile', 'user account'],
  ['subscription', 'plan', 'membership', 'monthly plan'],
  ['tent', 'sleeping bag', 'camping gear', 'backpack'],
  ['jacket', 'rain coat', 'boots', 'trousers'],
  ['gift card', 'voucher', 'promo code', 'discount code'],
  ['store visit', 'shop', 'showroom', 'pickup point'],
  ['GPS watch', 'smartwatch', 'heart rate strap', 'bike computer'],
  ['website', 'web shop', 'checkout page', 'online store'],
];
const ISSUES = [
  ['is broken', 'stopped working', 'does not work any more', 'keeps failing'],
  ['arrived damaged', 'came scratched', 'was torn when it arrived', 'showed up dented'],
  ['I want to return', 'how do I send back', 'I need a refund for', 'can I exchange'],
  ['how do I set up', 'how do I change the settings of', 'where do I configure', 'how to activate'],
  ['charged twice for', 'paid too much for', 'the price is wrong on', 'got billed wrongly for'],
  ['never arrived', 'is missing', 'is lost', 'did not show up'],
  ['please add a feature to', 'I would love an option in', 'suggestion for', 'idea to improve'],
];
const OPENERS = ['Hi,', 'Hello team,', 'Hey there.', 'Good morning!', '', '', 'Dear support,', 'Quick question:'];
const CLOSERS = ['Thanks.', 'Please help.', 'Regards, Anna', '', '', 'Any news?', 'This is urgent.', 'Cheers'];
const FILLERS = ['my', 'the', 'our', 'this', 'that'];
const DETAILS = ['since yesterday', 'for a week now', 'order #48213', 'again', 'after the update', 'last Friday', 'two days ago', 'on my second try', ''];
const CATEGORIES = AREAS.length * ISSUES.length;
const categoryName = (c) => `product${Math.floor(c / ISSUES.length)}-issue${c % ISSUES.length}`;

function random(seed) {
  let state = seed >>> 0 || 1;
  return () => ((state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4_294_967_296;
}

/** `total` labelled messages, as even over the 77 categories as can be; the same for the same seed. */
function syntheticMessages(total, seed) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  return Array.from({ length: total }, (_, i) => {
    const c = i % CATEGORIES;
    const area = pick(AREAS[Math.floor(c / ISSUES.length)]);
    const issue = pick(ISSUES[c % ISSUES.length]);
    const body = next() < 0.5 ? `${pick(FILLERS)} ${area} ${issue}` : `${issue} ${pick(FILLERS)} ${area}`;
    // Some messages mention another product too, as real ones do.
    const aside = next() < 0.3 ? `I also wrote about ${pick(FILLERS)} ${pick(pick(AREAS))} before.` : '';
    return { text: [pick(OPENERS), body, pick(DETAILS), aside, pick(CLOSERS)].filter(Boolean).join(' '), label: categoryName(c) };
  });
}

// --- The server and its accounts.
const common = { LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000', HOST: '127.0.0.1', PORT: '5631', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' };
const base = 'http://127.0.0.1:5631';
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-training-'));
const env = { ...common, ...(await benchDatabaseEnv({ postgres: values.postgres, databaseUrl, dataDir })) };

async function api(token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
const register = (name) =>
  login(base, '/api/auth/register', {
    accountName: name,
    name: 'Bench',
    email: `training-${randomBytes(4).toString('hex')}@example.com`,
    password: 'bench-password',
  });
const training = async (token) => (await api(token, 'GET', '/api/ai/training')).training;
async function untilReady(token) {
  for (;;) {
    const status = await training(token);
    if (status.status === 'ready') return;
    if (status.status === 'failed') throw new Error('training failed');
    await sleep(250);
  }
}

/** Requests `path` at `rate` per second until stop() (open loop), recording each latency by phase. */
function probe(path, token, phaseOf) {
  const samples = [];
  const errors = [];
  const inFlight = new Set();
  let running = true;
  const loop = (async () => {
    const started = performance.now();
    for (let i = 0; running; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const phase = phaseOf();
      const sent = performance.now();
      const request = fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.ok) samples.push({ phase, ms: performance.now() - sent });
          else errors.push({ phase, status: response.status });
        })
        .catch((error) => errors.push({ phase, status: String(error) }))
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  })();
  return {
    samples,
    errors,
    async stop() {
      running = false;
      await loop;
      await Promise.all(inFlight);
    },
  };
}

const server = await startProcess(['apps/server/dist/main.js'], env, /running on/);
try {
  const a = await register(`Training bench A ${randomBytes(2).toString('hex')}`);
  const b = await register(`Training bench B ${randomBytes(2).toString('hex')}`);
  await untilReady(a);
  await untilReady(b);
  // B's inbox has something to list: 50 conversations, classified before the measurement starts.
  const messages = syntheticMessages(50, 3);
  for (const message of messages) await api(b, 'POST', '/api/conversations', { contact: { name: 'Customer' }, message: { content: message.text } });
  for (;;) {
    const { data } = await api(b, 'GET', '/api/queue/jobs?limit=200');
    if (!data.some((job) => job.state === 'waiting' || job.state === 'active')) break;
    await sleep(250);
  }

  // A's taxonomy, made before the measurement starts: building it blocks this process's event
  // loop, which would add to the latencies of requests in flight.
  const examples = syntheticMessages(exampleCount, 1);
  const categories = Array.from({ length: CATEGORIES }, (_, c) => ({
    name: categoryName(c),
    examples: examples.filter((example) => example.label === categoryName(c)).map((example) => example.text),
  }));
  const size = JSON.stringify({ categories }).length;

  let phase = 'idle';
  // Linux: the server's resident memory, sampled every second, highest by phase.
  const memory = new Map();
  const sampler = setInterval(() => {
    const rss = readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    if (rss) memory.set(phase, Math.max(memory.get(phase) ?? 0, Math.round(Number(rss[1]) / 1024)));
  }, 1000);
  const probes = [
    { name: "B's GET /api/conversations?limit=50", run: probe('/api/conversations?limit=50', b, () => phase) },
    { name: 'GET /health', run: probe('/health', undefined, () => phase) },
  ];
  await sleep(idleSeconds * 1000);

  log(`PUT /api/ai/taxonomy: ${examples.length} examples over ${CATEGORIES} categories, a ${(size / 1e6).toFixed(1)} MB body`);
  const started = performance.now();
  phase = 'A embedding its examples';
  await api(a, 'PUT', '/api/ai/taxonomy', { categories });
  let fitStarted;
  let pollErrors = 0;
  for (;;) {
    const status = await training(a).catch((error) => {
      pollErrors += 1;
      log(`polling A's training failed: ${error.cause?.code ?? error.message}`);
      return { status: 'unknown', progress: 0 };
    });
    if (status.status === 'failed') throw new Error('A training failed');
    if (status.status === 'ready') break;
    if (status.progress >= 90 && fitStarted === undefined) {
      fitStarted = performance.now();
      phase = 'A fitting its model';
    }
    await sleep(500);
  }
  const ended = performance.now();
  phase = 'after';
  for (const { run } of probes) await run.stop();

  // A's new model on held-out messages of the same kind (another seed).
  const heldOut = syntheticMessages(2 * CATEGORIES, 2);
  let right = 0;
  for (const message of heldOut) {
    const { classification } = await api(a, 'POST', '/api/ai/classify', { text: message.text });
    if (classification.category === message.label) right += 1;
  }

  const rows = [];
  for (const { name, run } of probes) {
    for (const phaseName of ['idle', 'A embedding its examples', 'A fitting its model']) {
      const latencies = run.samples
        .filter((sample) => sample.phase === phaseName)
        .map((sample) => sample.ms)
        .sort((x, y) => x - y);
      rows.push({
        request: name,
        phase: phaseName,
        requests: latencies.length,
        'p50 ms': latencies.length ? Number(percentile(latencies, 50).toFixed(1)) : null,
        'p99 ms': latencies.length ? Number(percentile(latencies, 99).toFixed(1)) : null,
        'max ms': latencies.length ? Number(latencies.at(-1).toFixed(1)) : null,
        errors: run.errors.filter((error) => error.phase === phaseName).length,
      });
    }
  }
  console.log('');
  console.table(rows);
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  log(
    `${values.postgres ? 'Postgres' : 'PGlite'}, ${rate} requests/s each; A's training of ${examples.length} examples × ${CATEGORIES} categories: ${seconds(ended - started)} in all, embedding ${seconds((fitStarted ?? ended) - started)}, fitting and storing about ${seconds(ended - (fitStarted ?? ended))}`,
  );
  if (pollErrors) log(`${pollErrors} polls of A's training status failed`);
  log(`A's new model on ${heldOut.length} held-out synthetic messages: ${((100 * right) / heldOut.length).toFixed(1)} % right`);
  clearInterval(sampler);
  log(`server resident memory, highest by phase: ${[...memory].map(([name, mb]) => `${name} ${mb} MB`).join(', ')}`);
  for (const { name } of probes) {
    const idle = rows.find((row) => row.request === name && row.phase === 'idle');
    for (const row of rows.filter((r) => r.request === name && r.phase !== 'idle')) {
      const ratio = row['p99 ms'] / idle['p99 ms'];
      log(`${name} while ${row.phase}: p99 ${ratio.toFixed(2)} × idle (${ratio <= 2 && row.errors === 0 ? 'within' : 'MISSES'} the 2× target)`);
    }
  }
} finally {
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
}
