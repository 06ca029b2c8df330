// npm run bench:email: mail in through the built-in SMTP listener, replies out through a relay.
// One server (HUMMDESK_ROLE=all: AI triage runs in it, so every mail is also classified and drafted
// meanwhile) on an embedded PGlite in a temporary directory (`--postgres`: on BENCH_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/hummdesk_bench_email), with SMTP_LISTEN_PORT set. The
// bench runs the relay itself: a real smtp-server on loopback that counts what it is handed.
// Inbound: `--mails` mails (default 300) from `--senders` customers (default 50) are sent with
// nodemailer over `--connections` SMTP connections (default 4); each is timed from just before its
// sending to its message:new on an agent's socket; the rate is mails over the time to the last one.
// Outbound: the agent answers each conversation (`--replies`, default 300, spread over them) through
// the API as fast as the server answers them (`--concurrency` requests at once, default 8); each reply
// is timed from its POST to the relay's receipt; the rate is replies over the time to the last one.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { io } from 'socket.io-client';
import { benchDatabaseEnv, login, startProcess, stop } from './processes.js';

const { values } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    mails: { type: 'string', default: '300' },
    senders: { type: 'string', default: '50' },
    connections: { type: 'string', default: '4' },
    replies: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
  },
});
const mails = Number(values.mails);
const senders = Number(values.senders);
const replies = Number(values.replies);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench_email';
const base = 'http://127.0.0.1:5642';
const SMTP_PORT = 2526;
const log = (line) => console.log(`[bench:email] ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const figures = (sorted) =>
  `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SUBJECTS = [
  'Charged twice for order #48213',
  'Where is my parcel?',
  'The app crashes when I open the map',
  'How do I export my routes to GPX?',
  'Password reset mail never comes',
  'Refund for the returned tent',
];

// --- The relay: notes when each reply arrives, by the tag in its text.
const relayed = new Map(); // reply tag -> performance.now()
const relay = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    let raw = '';
    stream.on('data', (chunk) => (raw += chunk.toString('latin1')));
    stream.on('end', () => {
      const tag = /\[reply ([0-9a-f]+-\d+)\]/.exec(raw)?.[1];
      if (tag) relayed.set(tag, performance.now());
      callback();
    });
  },
});
await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
const relayPort = relay.server.address().port;

const common = {
  LOG_LEVEL: 'warn',
  LOGIN_RATE_LIMIT: '100000',
  HOST: '127.0.0.1',
  PORT: '5642',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  HUMMDESK_ROLE: 'all',
  SMTP_LISTEN_PORT: String(SMTP_PORT),
  SMTP_LISTEN_HOST: '127.0.0.1',
  SMTP_MAX_CONNECTIONS_PER_CLIENT: '100',
  EMAIL_SENDER_RATE_LIMIT: '100000',
  EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
};
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-email-'));
const env = { ...common, ...(await benchDatabaseEnv({ postgres: values.postgres, databaseUrl, dataDir })) };
const where = values.postgres ? 'Postgres' : 'PGlite (embedded)';

async function call(method, path, { token, body } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const server = await startProcess(['apps/server/dist/main.js'], env, /running on/);
let socket;
try {
  const run = randomBytes(3).toString('hex');
  const token = await login(base, '/api/auth/register', {
    accountName: `Email bench ${run}`,
    name: 'Bench Agent',
    email: `email-${run}@example.com`,
    password: 'bench-password',
  });
  const address = `support-${run}@bench.example`;
  await call('POST', '/api/inboxes', {
    token,
    body: { name: 'Support mail', channelType: 'email', settings: { address, smtp: { host: '127.0.0.1', port: relayPort, secure: false } } },
  });

  socket = io(base, { auth: { token }, transports: ['websocket'] });
  await new Promise((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
  const sentByTag = new Map(); // tag -> { start, received, conversationId }
  const tagOf = (text) => /\[bench ([0-9a-f]+-\d+)\]/.exec(text ?? '')?.[1];
  socket.on('message:new', (envelope) => {
    const sent = sentByTag.get(tagOf(envelope.data.message.content));
    if (sent && sent.received === undefined) {
      sent.received = performance.now();
      sent.conversationId = envelope.data.conversationId;
    }
  });

  // --- Inbound: customers' mails into the listener.
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: SMTP_PORT,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: Number(values.connections),
    maxMessages: Infinity,
  });
  const loadAtStart = loadavg()[0];
  const inboundStarted = performance.now();
  const refused = [];
  await Promise.all(
    Array.from({ length: mails }, async (_, n) => {
      const tag = `${run}-${n}`;
      const sent = { start: performance.now() };
      sentByTag.set(tag, sent);
      await transport
        .sendMail({
          from: `"Customer ${n % senders}" <customer-${n % senders}-${run}@example.org>`,
          to: address,
          subject: `${SUBJECTS[n % SUBJECTS.length]} (${n})`,
          text: `Hello,\n\n${SUBJECTS[n % SUBJECTS.length]}. Can you help? [bench ${tag}]\n\nThanks`,
        })
        .catch((error) => refused.push(error.message));
    }),
  );
  transport.close();
  const sentSeconds = (performance.now() - inboundStarted) / 1000;
  const inbound = [...sentByTag.values()];
  for (let i = 0; i < 1200 && inbound.some((sent) => sent.received === undefined); i++) await sleep(100);
  const arrived = inbound.filter((sent) => sent.received !== undefined);
  const inboundSeconds = (Math.max(...arrived.map((sent) => sent.received)) - inboundStarted) / 1000;
  log(`${where}; ${availableParallelism()} cores, load average ${loadAtStart.toFixed(1)} at the start`);
  log(
    `inbound: ${mails} mails from ${senders} senders over ${values.connections} SMTP connections, handed over in ${sentSeconds.toFixed(1)} s` +
      `${refused.length ? ` (${refused.length} refused: ${refused[0]})` : ''}; ${arrived.length} reached the agent's socket, the last at ${inboundSeconds.toFixed(1)} s: ` +
      `${(arrived.length / inboundSeconds).toFixed(1)} mails/s`,
  );
  log(`inbound: sendMail -> agent's message:new: ${figures(arrived.map((sent) => sent.received - sent.start).sort((x, y) => x - y))}`);

  // --- Outbound: the agent answers the conversations; each reply is timed to the relay's receipt.
  const conversations = [...new Set(arrived.map((sent) => sent.conversationId))];
  const outbound = [];
  const outboundStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (next < replies) {
        const n = next++;
        const tag = `${run}-${n}`;
        const start = performance.now();
        await call('POST', `/api/conversations/${conversations[n % conversations.length]}/messages`, {
          token,
          body: { content: `Thanks for writing. **We are on it.** [reply ${tag}]` },
        });
        outbound.push({ tag, start });
      }
    }),
  );
  for (let i = 0; i < 1200 && outbound.some((reply) => !relayed.has(reply.tag)); i++) await sleep(100);
  const delivered = outbound.filter((reply) => relayed.has(reply.tag));
  const outboundSeconds = (Math.max(...delivered.map((reply) => relayed.get(reply.tag))) - outboundStarted) / 1000;
  log(
    `outbound: ${replies} replies in ${conversations.length} conversations, ${values.concurrency} at a time; ${delivered.length} reached the relay, the last at ${outboundSeconds.toFixed(1)} s: ` +
      `${(delivered.length / outboundSeconds).toFixed(1)} replies/s`,
  );
  log(`outbound: POST -> relay: ${figures(delivered.map((reply) => relayed.get(reply.tag) - reply.start).sort((x, y) => x - y))}`);
  if (arrived.length < mails || delivered.length < replies) process.exitCode = 1;
} finally {
  socket?.disconnect();
  await stop(server);
  relay.close();
  rmSync(dataDir, { recursive: true, force: true });
}
