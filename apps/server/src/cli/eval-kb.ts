/**
 * npm run eval:kb [-- --questions <file>] [--set <dir>] [--given-article] [--no-drafts] [--misses] [--draft-misses]
 * Retrieval and local drafts on a labelled question set over the demo knowledge base
 * (modules/knowledge-base/eval/kb-questions.json: each question with the article that answers it,
 * or none, and the facts a correct answer states), or over another one (`--set <dir>`: the
 * Markdown files of <dir>/articles and <dir>/questions.json). `--given-article` drafts each
 * answerable question from its right article's passages, whatever retrieval finds: it measures
 * the choice of sentences on its own. Runs the real app on a new embedded database
 * with its workers: a new account gets the demo's articles through the API; each question is
 * searched (`GET /api/knowledge-base/search`, the right article in the top 3, reciprocal rank),
 * then written as a customer's message, whose draft (written by the local provider after triage)
 * is checked for the facts and, for questions the articles do not answer, for a low confidence.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { seedArticles } from '../modules/demo/knowledge-base-articles.js';
import { articleFromFile } from '../modules/knowledge-base/import-files.js';
import { closeGivenArticle, draftFromGivenArticle } from './eval-given-article.js';

interface Question {
  question: string;
  language: string;
  kind: string;
  article: string | null;
  facts: string[];
}

/** Below this a draft says it is not sure: the agent app shows it as a holding reply. */
const LOW_CONFIDENCE = 0.5;

const { values } = parseArgs({
  options: {
    questions: { type: 'string' },
    set: { type: 'string' },
    'given-article': { type: 'boolean', default: false },
    'no-drafts': { type: 'boolean', default: false },
    /** Lists each answerable question whose article was not in the top 3, with what came first instead. */
    misses: { type: 'boolean', default: false },
    /** Prints each draft that lacks a needed fact, or is confident on a question the articles do not answer. */
    'draft-misses': { type: 'boolean', default: false },
  },
});
const questionFile =
  values.questions ??
  (values.set ? join(values.set, 'questions.json') : new URL('../../src/modules/knowledge-base/eval/kb-questions.json', import.meta.url).pathname);
const questions = JSON.parse(await readFile(questionFile, 'utf8')) as Question[];
const articles = values.set ? await readArticles(join(values.set, 'articles')) : seedArticles;

async function readArticles(dir: string) {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.md')).sort();
  return Promise.all(
    names.map(async (name) => {
      const article = articleFromFile({ path: name, content: await readFile(join(dir, name), 'utf8') });
      if ('error' in article) throw new Error(`${name}: ${article.error}`);
      return { title: article.title, category: article.category ?? 'general', content: article.content };
    }),
  );
}
// A question the articles answer names what a right answer states; otherwise "states the facts" would hold of any draft.
const factless = questions.find((item) => item.article !== null && item.facts.length === 0);
if (factless) throw new Error(`"${factless.question}" names its article but no fact a right answer states`);

const dataDir = await mkdtemp(join(tmpdir(), 'hummdesk-eval-kb-'));
const database = await openDatabase({});
await database.migrate();
const app = await buildApp({
  config: loadConfig({ HUMMDESK_DATA_DIR: dataDir, LOGIN_RATE_LIMIT: '100000', LOG_LEVEL: 'silent' }),
  database,
  jwtSecret: 'eval-kb-secret-eval-kb-secret-0123456789',
  runWorkers: true,
  logger: pino({ level: 'silent' }),
});
await app.ready();

/** The app's answer to a request; `T` is the shape its route documents. */
async function call<T>(method: 'GET' | 'POST', url: string, token: string | undefined, payload?: object): Promise<{ status: number; body: T }> {
  const response = await app.inject({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.statusCode, body: response.json<T>() };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(0)} %` : '-');

try {
  const registered = await call<{ token: string }>('POST', '/api/auth/register', undefined, {
    accountName: 'Northwind Gear (evaluation)',
    name: 'Eval',
    email: 'eval@example.com',
    password: 'evaluation password',
  });
  const token = registered.body.token;
  await call('POST', '/api/inboxes', token, { name: 'Support' });
  const idByTitle = new Map<string, number>();
  for (const article of articles) {
    const created = await call<{ article: { id: number } }>('POST', '/api/knowledge-base/articles', token, { ...article, status: 'published' });
    idByTitle.set(article.title, created.body.article.id);
  }
  await until('the articles embedded', async () => {
    const list = await call<{ data: { embeddingStatus: string }[] }>('GET', '/api/knowledge-base/articles?limit=100', token);
    return list.body.data.every((article) => article.embeddingStatus === 'ready') ? true : undefined;
  });

  /** The draft the app writes for the question as a customer's message (or, with --given-article, from the right article). */
  async function draftFor(item: Question, expected: number | null): Promise<{ content: string; confidence: number }> {
    const given = values['given-article'] && expected !== null && articles.find((article) => article.title === item.article);
    if (given) return draftFromGivenArticle(item.question, { articleId: expected, ...given });
    const opened = await call<{ conversation: { id: number } }>('POST', '/api/conversations', token, { contact: {}, message: { content: item.question } });
    return until(`the draft for "${item.question}"`, async () => {
      const answer = await call<{ draft: { content: string; confidence: number } }>('GET', `/api/conversations/${opened.body.conversation.id}/drafts`, token);
      return answer.status === 200 ? answer.body.draft : undefined;
    });
  }

  const rows: { kind: string; language: string; answerable: boolean; top3: boolean; rank: number | null; facts: boolean | null; low: boolean | null }[] = [];
  /** Each search's time over HTTP (app.inject), embedding the question included. */
  const searchMs: number[] = [];
  for (const item of questions) {
    const expected = item.article === null ? null : idByTitle.get(item.article);
    if (expected === undefined) throw new Error(`no article titled "${item.article}"`);
    const searchStarted = performance.now();
    const found = await call<{ results: { articleId: number; title: string }[] }>(
      'GET',
      `/api/knowledge-base/search?q=${encodeURIComponent(item.question)}&limit=10`,
      token,
    );
    searchMs.push(performance.now() - searchStarted);
    const ids = found.body.results.map((hit) => hit.articleId);
    const rank = expected === null ? null : ids.indexOf(expected) + 1 || null;
    if (values.misses && expected !== null && (rank === null || rank > 3)) {
      const first = found.body.results.slice(0, 3).map((hit) => hit.title);
      console.log(`miss (${item.kind}, ${item.language}, rank ${rank ?? '-'}): "${item.question}" -> wanted "${item.article}", got ${JSON.stringify(first)}`);
    }
    let facts: boolean | null = null;
    let low: boolean | null = null;
    if (!values['no-drafts']) {
      const draft = await draftFor(item, expected);
      low = draft.confidence < LOW_CONFIDENCE;
      facts = item.facts.every((fact) => draft.content.toLowerCase().includes(fact.toLowerCase()));
      if (values['draft-misses'] && (facts === false || (expected === null && !low))) {
        console.log(
          `draft miss (${item.kind}, ${item.language}, confidence ${draft.confidence}): "${item.question}" wants ${JSON.stringify(item.facts)}\n${draft.content}\n`,
        );
      }
    }
    rows.push({ kind: item.kind, language: item.language, answerable: expected !== null, top3: rank !== null && rank <= 3, rank, facts, low });
  }

  const answerable = rows.filter((row) => row.answerable);
  const unanswerable = rows.filter((row) => !row.answerable);
  const mrr = answerable.reduce((sum, row) => sum + (row.rank ? 1 / row.rank : 0), 0) / answerable.length;
  console.log(`questions: ${rows.length} (${answerable.length} answerable, ${unanswerable.length} the articles do not answer), ${articles.length} articles`);
  console.log(
    `retrieval: right article in the top 3 for ${pct(answerable.filter((row) => row.top3).length, answerable.length)} of answerable questions, MRR ${mrr.toFixed(2)}`,
  );
  const sorted = [...searchMs].sort((a, b) => a - b);
  const percentile = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!.toFixed(0);
  console.log(`search time: p50 ${percentile(0.5)} ms, p95 ${percentile(0.95)} ms`);
  const group = (key: 'kind' | 'language') =>
    Object.fromEntries(
      [...new Set(answerable.map((row) => row[key]))].sort().map((name) => {
        const of = answerable.filter((row) => row[key] === name);
        const drafted = of.filter((row) => row.facts !== null);
        return [
          name,
          {
            questions: of.length,
            'top 3': pct(of.filter((row) => row.top3).length, of.length),
            'draft states the facts': drafted.length ? pct(drafted.filter((row) => row.facts).length, drafted.length) : '-',
          },
        ];
      }),
    );
  console.table(group('kind'));
  console.table(group('language'));
  if (!values['no-drafts']) {
    console.log(`local drafts: the needed facts in ${pct(answerable.filter((row) => row.facts).length, answerable.length)} of answerable questions`);
    console.log(
      `local drafts: low confidence (< ${LOW_CONFIDENCE}) on ${pct(unanswerable.filter((row) => row.low).length, unanswerable.length)} of questions the articles do not answer` +
        ` (and on ${pct(answerable.filter((row) => row.low).length, answerable.length)} of answerable ones)`,
    );
  }
} finally {
  await closeGivenArticle();
  await app.close();
  await database.close();
  await rm(dataDir, { recursive: true, force: true });
}
