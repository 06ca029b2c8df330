// npm run bench:realtime: realtime delivery across replicas.
// Two API replicas share Postgres and Redis; 2,000 sockets (20 per account, 100 accounts) are
// connected to replica 1; messages are posted through replica 2 at a steady rate, and each
// message:new receipt is timed from the HTTP 201 of its post (and from the request's start).
// Environment: BENCH_DATABASE_URL (default .../hummdesk_bench), REDIS_URL (default local),
// BENCH_RATE messages/s, one rate or several in turn (default 50,200), BENCH_DURATION seconds
// per rate (default 10). The target: at 200 messages/s, p95 from the request's start under 50 ms.
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { ensureBenchDatabase, login, startProcess, stop } from './processes.js';

const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hummdesk_bench';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const rates = (process.env.BENCH_RATE ?? '50,200').split(',').map(Number);
const duration = Number(process.env.BENCH_DURATION ?? 10);
const ACCOUNTS = 100;
const SOCKETS_PER_ACCOUNT = 20;
const log = (line) => console.log(`[bench:realtime] ${line}`);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

await ensureBenchDatabase(databaseUrl);
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  HUMMDESK_REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}`,
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  LOG_LEVEL: 'warn',
  LOGIN_RATE_LIMIT: '100000',
  HOST: '127.0.0.1',
};
const one = await startProcess(['apps/server/dist/main.js'], { ...env, PORT: '5611', HUMMDESK_INSTANCE: 'api_1' }, /running on/);
const two = await startProcess(['apps/server/dist/main.js'], { ...env, PORT: '5612', HUMMDESK_INSTANCE: 'api_2' }, /running on/);
const sockets = [];
try {
  // 100 accounts, each with one conversation to post into.
  const run = randomBytes(3).toString('hex');
  const accounts = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const token = await login('http://127.0.0.1:5611', `/api/auth/register`, {
      accountName: `Realtime bench ${run} ${i}`,
      name: 'Bench',
      email: `rt-${run}-${i}@example.com`,
      password: 'bench-password',
    });
    const opened = await fetch('http://127.0.0.1:5612/api/conversations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ contact: { name: 'Bench customer' }, message: { content: 'first' } }),
    });
    accounts.push({ token, conversationId: (await opened.json()).conversation.id });
  }
  log(`${ACCOUNTS} accounts registered`);

  // The rate being measured: its messages (content -> when sent, answered, received), its receipts.
  let round;
  await Promise.all(
    accounts.flatMap((account, a) =>
      Array.from(
        { length: SOCKETS_PER_ACCOUNT },
        () =>
          new Promise((resolve, reject) => {
            const socket = io('http://127.0.0.1:5611', { auth: { token: account.token }, transports: ['websocket'] });
            sockets.push(socket);
            socket.on('message:new', (envelope) => {
              const now = performance.now();
              const sent = round?.sentAt.get(envelope.data.message.content);
              if (!sent) return;
              if (sent.account !== a) round.foreign += 1;
              round.receipts += 1;
              round.fromStart.push(now - sent.start);
              // A receipt can beat the 201 to the client; it is then counted as 0 ms after it.
              sent.pending.push(now);
            });
            socket.once('connect', resolve);
            socket.once('connect_error', reject);
          }),
      ),
    ),
  );
  log(`${sockets.length} sockets connected to api_1`);

  const results = [];
  for (const rate of rates) {
    round = { sentAt: new Map(), fromStart: [], receipts: 0, foreign: 0 };
    const { sentAt } = round;
    const posts = [];
    const started = performance.now();
    for (let n = 0; n < rate * duration; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const a = n % ACCOUNTS;
      const content = `bench ${run} ${rate} ${n}`;
      const sent = { start: performance.now(), account: a, pending: [] };
      sentAt.set(content, sent);
      posts.push(
        fetch(`http://127.0.0.1:5612/api/conversations/${accounts[a].conversationId}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${accounts[a].token}` },
          body: JSON.stringify({ content }),
        }).then(async (response) => {
          await response.arrayBuffer();
          if (response.status !== 201) throw new Error(`post answered ${response.status}`);
          sent.answered = performance.now();
        }),
      );
    }
    await Promise.all(posts);
    const postingSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2_000)); // the last deliveries
    const fromAnswer = [];
    for (const sent of sentAt.values()) for (const at of sent.pending) fromAnswer.push(Math.max(0, at - sent.answered));
    const answers = [...sentAt.values()].map((sent) => sent.answered - sent.start).sort((x, y) => x - y);
    const { receipts, foreign, fromStart } = round;
    const expected = rate * duration * SOCKETS_PER_ACCOUNT;
    fromAnswer.sort((x, y) => x - y);
    fromStart.sort((x, y) => x - y);
    const ms = (v) => `${v.toFixed(1)} ms`;
    log(`${rate * duration} messages posted through api_2 at ${rate}/s over ${postingSeconds.toFixed(1)} s`);
    log(`${receipts} of ${expected} expected deliveries (${((100 * receipts) / expected).toFixed(2)} %), ${foreign} to another account`);
    log(`events delivered: ${Math.round(receipts / postingSeconds)} /s sustained`);
    log(`latency from HTTP 201: p50 ${ms(percentile(fromAnswer, 50))}, p95 ${ms(percentile(fromAnswer, 95))}, p99 ${ms(percentile(fromAnswer, 99))}`);
    log(`the post's own answer (201): p50 ${ms(percentile(answers, 50))}, p95 ${ms(percentile(answers, 95))}, p99 ${ms(percentile(answers, 99))}`);
    log(`latency from request start: p50 ${ms(percentile(fromStart, 50))}, p95 ${ms(percentile(fromStart, 95))}, p99 ${ms(percentile(fromStart, 99))}`);
    results.push({
      'messages/s': rate,
      'posted in s': Number(postingSeconds.toFixed(1)),
      deliveries: `${receipts} of ${expected}`,
      'to another account': foreign,
      '201 p50/p95 ms': `${answers.length ? percentile(answers, 50).toFixed(1) : '-'} / ${percentile(answers, 95).toFixed(1)}`,
      'receipt from start p50/p95 ms': `${percentile(fromStart, 50).toFixed(1)} / ${percentile(fromStart, 95).toFixed(1)}`,
    });
  }
  console.table(results);
  const at200 = results.find((result) => result['messages/s'] === 200);
  if (at200) log(`target at 200 messages/s: receipt p95 from the request's start under 50 ms: ${at200['receipt from start p50/p95 ms'].split(' / ')[1]} ms`);
} finally {
  for (const socket of sockets) socket.disconnect();
  await stop(one);
  await stop(two);
}
