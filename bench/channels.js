// npm run bench:channels: a customer's message through the public client API to the agent's screen.
// One server (HUMMDESK_ROLE=all: AI triage runs in it, as in the product, so every customer message
// is also classified and drafted meanwhile) on an embedded PGlite in a temporary directory
// (`--postgres`: on BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hummdesk_bench_channels;
// `--redis`: with Redis at REDIS_URL too, default redis://127.0.0.1:6379, for the queue and Socket.IO).
// An administrator creates a web_widget inbox; `--contacts` contacts (default 50) are created through
// POST /api/public/inboxes/:identifier/contacts, each opens a conversation with a first message, and
// the triage those start is let finish. One agent socket is connected. Then the contacts write in turn
// at `--rate` messages a second (default 50, open loop) for `--seconds` (default 20), from the inbox's
// website (Origin header, as the widget does); each message is timed from just before its POST to its
// message:new on the agent's socket (matched by content), and to the POST's 201.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';
import { benchDatabaseEnv, login, startProcess, stop } from './processes.js';

const { values } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    redis: { type: 'boolean', default: false },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    contacts: { type: 'string', default: '50' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const contactCount = Number(values.contacts);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_channels';
const base = 'http://127.0.0.1:5641';
const ORIGIN = 'https://shop.example.com';
const log = (line) => console.log(`[bench:channels] ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
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

// --- The server: no limits on the public API beyond the bench's own traffic from one address.
const common = {
  LOG_LEVEL: 'warn',
  LOGIN_RATE_LIMIT: '100000',
  PUBLIC_API_RATE_LIMIT: '1000000',
  PUBLIC_API_CONTACT_RATE_LIMIT: '1000000',
  PUBLIC_API_MESSAGE_RATE_LIMIT: '1000000',
  HOST: '127.0.0.1',
  PORT: '5641',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  HUMMDESK_ROLE: 'all',
  ...(values.redis ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', HUMMDESK_REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}` } : {}),
};
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-channels-'));
const env = { ...common, ...(await benchDatabaseEnv({ postgres: values.postgres, databaseUrl, dataDir })) };
const where = `${values.postgres ? 'Postgres' : 'PGlite (embedded)'}${values.redis ? ' + Redis (BullMQ, Socket.IO adapter)' : ', jobs-table queue'}`;

async function call(method, path, { token, body } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Until no job of the account waits or runs (twice in a row: a classification enqueues its draft). */
async function untilQueueIdle(token) {
  for (let idle = 0, polls = 0; idle < 2; polls++) {
    if (polls > 2400) throw new Error('the triage jobs did not finish in 10 minutes');
    const [waiting, active] = await Promise.all(['waiting', 'active'].map((state) => call('GET', `/api/queue/jobs?state=${state}&limit=1`, { token })));
    idle = waiting.data.length + active.data.length === 0 ? idle + 1 : 0;
    await sleep(250);
  }
}

const server = await startProcess(['apps/server/dist/main.js'], env, /running on/);
let socket;
try {
  const run = randomBytes(3).toString('hex');
  const adminToken = await login(base, '/api/auth/register', {
    accountName: `Channels bench ${run}`,
    name: 'Bench',
    email: `channels-${run}@example.com`,
    password: 'bench-password',
  });
  const { inbox } = await call('POST', '/api/inboxes', {
    token: adminToken,
    body: { name: 'Website', channelType: 'web_widget', settings: { allowedOrigins: [ORIGIN] } },
  });
  const publicBase = `/api/public/inboxes/${encodeURIComponent(inbox.identifier)}`;

  // The agent's screen: one socket of the administrator, in the account's room.
  socket = io(base, { auth: { token: adminToken }, transports: ['websocket'] });
  await new Promise((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
  const sentByContent = new Map(); // content -> { start, answered, status, received }
  const measuredIds = new Set();
  const classified = new Set();
  let duplicates = 0;
  socket.on('message:new', (envelope) => {
    const now = performance.now();
    const sent = sentByContent.get(envelope.data.message.content);
    if (!sent) return;
    if (sent.received !== undefined) duplicates += 1;
    else sent.received = now;
    measuredIds.add(envelope.data.message.id);
  });
  socket.on('ai:classification', (envelope) => classified.add(envelope.data.messageId));

  // The contacts, each with a conversation opened by a first message; its triage runs before measuring.
  const setupStarted = performance.now();
  const contacts = [];
  for (let i = 0; i < contactCount; i++) {
    const { contact, token } = await call('POST', `${publicBase}/contacts`, { body: { name: `Visitor ${i}`, email: `visitor-${run}-${i}@example.com` } });
    const contactPath = `${publicBase}/contacts/${encodeURIComponent(contact.identifier)}`;
    const { conversation } = await call('POST', `${contactPath}/conversations`, { token, body: { message: { content: TEXTS[i % TEXTS.length] } } });
    contacts.push({ token, messagesPath: `${contactPath}/conversations/${conversation.id}/messages` });
  }
  await untilQueueIdle(adminToken);
  log(
    `${where}; ${contactCount} contacts of a web_widget inbox, each with a conversation, first messages triaged: ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
  );

  // --- Steady posting, open loop: a slow answer does not hold back the next message.
  const posts = [];
  const total = Math.round(rate * seconds);
  const loadAtStart = loadavg()[0];
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const wait = started + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const contact = contacts[n % contacts.length];
    const content = `${TEXTS[n % TEXTS.length]} [${run}-${n}]`;
    const sent = { start: performance.now() };
    sentByContent.set(content, sent);
    posts.push(
      fetch(`${base}${contact.messagesPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, authorization: `Bearer ${contact.token}` },
        body: JSON.stringify({ content }),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          sent.status = response.status;
          sent.answered = performance.now();
        },
        (error) => (sent.status = error.cause?.code ?? error.message),
      ),
    );
  }
  const sendingSeconds = (performance.now() - started) / 1000;
  await Promise.all(posts);
  const answeredSeconds = (performance.now() - started) / 1000;
  // The last deliveries: until every accepted message has arrived, or 10 s.
  const all = [...sentByContent.values()];
  for (let i = 0; i < 100 && all.some((sent) => sent.status === 201 && sent.received === undefined); i++) await sleep(100);

  const accepted = all.filter((sent) => sent.status === 201);
  const arrived = all.filter((sent) => sent.received !== undefined);
  const toSocket = arrived.map((sent) => sent.received - sent.start).sort((x, y) => x - y);
  const toAnswer = accepted.map((sent) => sent.answered - sent.start).sort((x, y) => x - y);
  const refusals = new Map();
  for (const sent of all) if (sent.status !== 201) refusals.set(sent.status, (refusals.get(sent.status) ?? 0) + 1);
  const figures = (sorted) =>
    `p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`;
  log(
    `${total} messages posted by ${contactCount} contacts at ${rate}/s over ${sendingSeconds.toFixed(1)} s ` +
      `(the last answered at ${answeredSeconds.toFixed(1)} s); ${accepted.length} answered 201` +
      (refusals.size ? ` (others: ${[...refusals].map(([status, count]) => `${count} x ${status}`).join(', ')})` : ''),
  );
  log(`message:new on the agent's socket: ${arrived.length} of ${total} arrived${duplicates ? `, ${duplicates} twice` : ''}`);
  log(`POST -> agent's message:new: ${figures(toSocket)}`);
  log(`POST -> 201: ${figures(toAnswer)}`);
  const triaged = [...measuredIds].filter((id) => classified.has(id)).length;
  log(
    `meanwhile AI triage ran in the same process, as in the product: ${triaged} of the ${total} messages classified by the end` +
      `${triaged < total ? ' (the rest still queued)' : ''}; ${availableParallelism()} cores, load average ${loadAtStart.toFixed(1)} at the start`,
  );
  if (arrived.length < total) process.exitCode = 1;
} finally {
  socket?.disconnect();
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
}
