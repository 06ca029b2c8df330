// node bench/import.js (after npm run build): what a knowledge-base import costs the other
// accounts of an embedded (PGlite) server, whose one database connection they all share.
// Account B reads its inbox (GET /api/conversations, one request at a time) throughout, while
// account A posts, in turn:
//   1. the zip of issue 11: 25 Markdown files of 4 MB in about 150 KB (refused: 8 MB limit);
//   2. a 1 MB zip whose headers declare 100 bytes and which inflates to 1 GiB (refused);
//   3. a zip of BENCH_MANUALS (default 2) manuals of 4 MB each, about 6,000 passages apiece,
//      measured until the import has written every article and passage;
//   4. then BENCH_EMBED_SECONDS (default 20) of the articles' kb-embed jobs embedding them.
// Each phase prints B's answers: how many, p50 / p99 / max latency, and any error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import { lyingBomb, manyLargeFilesZip } from '../scripts/lib/zips.js';
import { login, startProcess, stop } from './processes.js';

const manuals = Number(process.env.BENCH_MANUALS ?? 2);
const embedSeconds = Number(process.env.BENCH_EMBED_SECONDS ?? 20);
const base = 'http://127.0.0.1:5623';
const log = (line) => console.log(`[bench:import] ${line}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function manual(name, chars = 4_000_000) {
  const parts = [`# ${name}`];
  for (let i = 1, length = 0; length < chars; i++) {
    parts.push(
      i % 40 === 0
        ? `## ${name}, part ${i / 40}`
        : `Step ${i} of ${name}: check guy line ${i} and stake ${i} before the storm; tension them evenly so the flysheet stays taut.`,
    );
    length += parts.at(-1).length + 2;
  }
  return parts.join('\n\n').slice(0, chars);
}

async function account(label) {
  const token = await login(base, '/api/auth/register', {
    accountName: `Import bench ${label}`,
    name: `Bench ${label}`,
    email: `import-${label}-${randomBytes(4).toString('hex')}@example.com`,
    password: 'bench-password',
  });
  return { 'content-type': 'application/json', authorization: `Bearer ${token}` };
}

/** B's inbox read over and over until `done` resolves; then the latencies of its answers. */
async function whileRunning(headers, done) {
  const latencies = [];
  const samples = [];
  const errors = [];
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    const started = performance.now();
    const response = await fetch(`${base}/api/conversations?limit=50`, { headers });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    samples.push({ at: started, ms: performance.now() - started });
    if (response.status !== 200) errors.push(response.status);
  }
  await done;
  return { latencies: latencies.sort((a, b) => a - b), samples, errors };
}

function report(phase, { latencies, errors }, extra = '') {
  log(
    `${phase}: B answered ${latencies.length} times, p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, ` +
      `max ${latencies.at(-1).toFixed(0)} ms${errors.length ? `, errors ${errors.join(',')}` : ''}${extra}`,
  );
}

const postZip = async (headers, archive) => {
  const started = performance.now();
  const response = await fetch(`${base}/api/knowledge-base/imports/zip`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/zip' },
    body: archive,
  });
  const body = await response.json();
  return { status: response.status, body, ms: performance.now() - started };
};

const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-bench-import-'));
const server = await startProcess(
  ['apps/server/dist/main.js'],
  {
    LOG_LEVEL: 'warn',
    LOGIN_RATE_LIMIT: '100000',
    HOST: '127.0.0.1',
    PORT: '5623',
    HUMMDESK_DATA_DIR: dataDir,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    DATABASE_URL: '',
    REDIS_URL: '',
  },
  /running on/,
);
try {
  const a = await account('a');
  const b = await account('b');
  const opened = await fetch(`${base}/api/conversations`, {
    method: 'POST',
    headers: b,
    body: JSON.stringify({ contact: { name: 'Ella' }, message: { content: 'Where is my tent?' } }),
  });
  if (opened.status !== 201) throw new Error(`opening a conversation answered ${opened.status}`);
  // The accounts' first model trainings and the message's triage run first: not part of any phase.
  for (const headers of [a, b]) {
    for (;;) {
      const jobs = (await (await fetch(`${base}/api/queue/jobs?limit=200`, { headers })).json()).data;
      if (jobs.every((job) => job.state === 'completed' || job.state === 'failed')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  report('baseline (5 s)', await whileRunning(b, new Promise((resolve) => setTimeout(resolve, 5_000))));

  const many = manyLargeFilesZip();
  const manyPosted = postZip(a, many);
  const duringMany = await whileRunning(b, manyPosted);
  const manyAnswer = await manyPosted;
  report(
    `25 x 4 MB zip (${Math.round(many.length / 1024)} KB)`,
    duringMany,
    `; A's answer ${manyAnswer.status} ${manyAnswer.body.error?.code} in ${manyAnswer.ms.toFixed(0)} ms`,
  );

  const bomb = await lyingBomb();
  const bombPosted = postZip(a, bomb);
  const duringBomb = await whileRunning(b, bombPosted);
  const bombAnswer = await bombPosted;
  report(
    `lying 1 GiB bomb (${Math.round(bomb.length / 1024)} KB)`,
    duringBomb,
    `; A's answer ${bombAnswer.status} ${bombAnswer.body.error?.code} in ${bombAnswer.ms.toFixed(0)} ms`,
  );

  const files = {};
  for (let i = 1; i <= manuals; i++) files[`manuals/manual-${i}.md`] = strToU8(manual(`Manual ${i}`));
  const archive = zipSync(files);
  const importStarted = performance.now();
  let answer;
  let answeredAt = 0;
  const imported = (async () => {
    answer = await postZip(a, archive);
    answeredAt = performance.now();
    if (answer.status !== 202) throw new Error(`the import answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    for (;;) {
      const state = await (await fetch(`${base}/api/knowledge-base/imports/${answer.body.import.id}`, { headers: a })).json();
      if (state.import.status === 'completed' || state.import.status === 'failed') return state.import;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const duringImport = await whileRunning(b, imported);
  const done = await imported;
  const worst = (samples) => Math.max(0, ...samples.map((sample) => sample.ms)).toFixed(0);
  log(
    `  B's slowest answer while A's import request was answered: ${worst(duringImport.samples.filter((x) => x.at < answeredAt))} ms; while its job ran: ${worst(duringImport.samples.filter((x) => x.at >= answeredAt))} ms`,
  );
  const chunks = (await (await fetch(`${base}/api/knowledge-base/articles?limit=100`, { headers: a })).json()).data.reduce(
    (sum, article) => sum + article.chunkCount,
    0,
  );
  report(
    `import of ${manuals} x 4 MB (${Math.round(archive.length / 1024)} KB zip)`,
    duringImport,
    `; A's 202 in ${answer.ms.toFixed(0)} ms, import ${done.status} (${done.created} articles, ${chunks} passages) in ${((performance.now() - importStarted) / 1000).toFixed(1)} s`,
  );
  report(`their embedding (${embedSeconds} s)`, await whileRunning(b, new Promise((resolve) => setTimeout(resolve, embedSeconds * 1_000))));
} finally {
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
}
