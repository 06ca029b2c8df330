/**
 * The knowledge base end to end, through the HTTP API of the real app (local embedding model,
 * in-process job workers) on PGlite and on Postgres. What this file proves:
 *
 * - articles: create, read, list (cursor pages, filters), change (a new content is chunked and
 *   embedded again), delete; Markdown and HTML are stored exactly as written;
 * - search: on a small knowledge base of a fictional company (test-support/knowledge-base-articles.ts), customer
 *   questions in other words find the right article, and rare terms (an error code, a product
 *   name) are found first through the full-text half, also inside a longer sentence; only
 *   published articles are searched, and a deleted one leaves search at once;
 * - tenant isolation: another account sees nothing of an account's articles, searches or imports
 *   (404 exactly like a missing id), and in SQL, as hummdesk_app, not one of its rows;
 * - bad input is a 4xx with the contract's error body, never a 5xx; a 3 MB article is taken
 *   quickly (and left to its embedding job), and an account holding it is searched quickly;
 * - bulk imports (JSON articles, Markdown files, a zip) run as jobs, report what they created,
 *   replaced and refused, and their articles become searchable.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import { strToU8, zipSync } from 'fflate';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDb } from '../../db/client.js';
import { knowledgeBaseImports } from '../../db/schema.js';
import { jobKey } from '../../platform/queue/jobs.js';
import { insertJob } from '../../platform/queue/job-store.js';
import { APP_ROLE, withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { eventually, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { insertArticle } from './articles.repo.js';
import { insertImportItems } from './import-items.repo.js';
import { paraphrases, rareTermAgainstVectors, rareTermQuestions, testArticles } from '../../test-support/knowledge-base-articles.js';

const KB = '/api/knowledge-base';
const LOCAL_MODEL = 'local-use-lite-512';
const unique = `${process.pid}.${Date.now()}`;

/** Rows of a raw query on either driver. */
async function rows<T>(db: Pick<AppDb, 'execute'>, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** 1-based rank of the article in the results, or 0 when it is not there. */
const rankOf = (results: { articleId: number }[], articleId: number) => results.findIndex((hit) => hit.articleId === articleId) + 1;

/** Calls of the knowledge-base API that must succeed, answering their body. */
function kbApi(app: () => FastifyInstance) {
  async function createArticle(session: Session, fields: Record<string, unknown>) {
    const answer = await call(app(), session, { method: 'POST', url: `${KB}/articles`, payload: fields });
    expect(answer.status, JSON.stringify(answer.body)?.slice(0, 300)).toBe(201);
    return answer.body.article;
  }

  async function search(session: Session, q: string, limit = 5) {
    const answer = await call(app(), session, { method: 'GET', url: `${KB}/search?q=${encodeURIComponent(q)}&limit=${limit}` });
    expect(answer.status, `search ${JSON.stringify(q)}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBe(200);
    return answer.body as {
      results: { articleId: number; title: string; category: string | null; snippet: string; similarity: number; score: number }[];
      mode: string;
      strategy: string;
      model: string;
    };
  }

  async function list(session: Session, query = '') {
    const answer = await call(app(), session, { method: 'GET', url: `${KB}/articles${query ? `?${query}` : ''}` });
    expect(answer.status, JSON.stringify(answer.body)?.slice(0, 300)).toBe(200);
    return answer.body as { data: any[]; nextCursor: string | null };
  }

  async function startImport(session: Session, body: object) {
    const answer = await call(app(), session, { method: 'POST', url: `${KB}/imports`, payload: body });
    expect(answer.status, JSON.stringify(answer.body)?.slice(0, 300)).toBe(202);
    return answer.body.import;
  }

  async function importFinished(session: Session, id: number) {
    return eventually(`import ${id} to finish`, async () => {
      const answer = await call(app(), session, { method: 'GET', url: `${KB}/imports/${id}` });
      expect(answer.status).toBe(200);
      return ['completed', 'failed'].includes(answer.body.import.status) ? answer.body.import : undefined;
    });
  }

  /** An agent (not an administrator) of the session's account, logged in. */
  async function agentOf(admin: Session): Promise<Session> {
    const email = `kb-agent.${unique}.${admin.accountId}@example.com`;
    const created = await call(app(), admin, { method: 'POST', url: '/api/agents', payload: { name: 'Agnes Agent', email, password: 'agent password 1' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const login = await call(app(), undefined, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'agent password 1' } });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(created.body.agent.role).toBe('agent');
    return { token: login.body.token, accountId: admin.accountId, userId: login.body.user.id, auth: { authorization: `Bearer ${login.body.token}` } };
  }

  return { createArticle, search, list, startImport, importFinished, agentOf };
}

describe.each(await databaseKinds())('knowledge base on %s', (kind) => {
  let t: TestApp;
  const { createArticle, search, list, startImport, importFinished } = kbApi(() => t.app);

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  // ---------------------------------------------------------------- articles

  describe('articles', () => {
    let s: Session;
    beforeAll(async () => {
      s = await registerAccount(t.app, 'KB articles');
    }, 120_000);

    it('creates, reads, changes (chunked again) and deletes an article', async () => {
      const content = '# Washing a down jacket\n\nWash it at 30 degrees with a down detergent.\n\nTumble dry it with two tennis balls until no lumps are left.';
      const article = await createArticle(s, { title: 'Washing a down jacket', content, category: 'care' });
      expect(article).toEqual({
        id: expect.any(Number),
        title: 'Washing a down jacket',
        content,
        category: 'care',
        status: 'published',
        author: { id: s.userId, name: expect.any(String) },
        embeddingStatus: 'ready',
        embeddingError: null,
        chunkCount: 1,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const before = await search(s, 'tennis balls');
      expect(before.results.map((hit) => hit.articleId)).toEqual([article.id]);
      expect(before.results[0]!.snippet).toContain('tennis balls');

      const read = await call(t.app, s, { method: 'GET', url: `${KB}/articles/${article.id}` });
      expect(read.status).toBe(200);
      expect(read.body.article).toEqual(article);

      // A new content of three sections: three chunks, embedded again before the answer.
      const sections = [
        '# Before washing\n\nClose every zip and empty the pockets.',
        '# Washing\n\nUse a front-loading machine at 30 degrees.',
        '# Drying\n\nDry on low heat with clean sports balls, for several hours.',
      ].join('\n\n');
      const changed = await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${article.id}`, payload: { content: sections } });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body.article).toMatchObject({
        id: article.id,
        title: article.title,
        content: sections,
        chunkCount: 3,
        embeddingStatus: 'ready',
        category: 'care',
      });
      expect(Date.parse(changed.body.article.updatedAt)).toBeGreaterThanOrEqual(Date.parse(article.updatedAt));
      expect(changed.body.article.createdAt).toBe(article.createdAt);
      // The old passages are gone from search, the new ones are in it.
      const tennis = await search(s, 'tennis balls');
      expect(tennis.results.map((hit) => hit.articleId)).toEqual([article.id]); // the vectors always find something
      expect(tennis.results[0]!.snippet).not.toContain('tennis');
      const pockets = await search(s, 'pockets');
      expect(pockets.results[0]).toMatchObject({ articleId: article.id, title: 'Washing a down jacket', category: 'care' });
      expect(pockets.results[0]!.snippet).toContain('pockets');

      // Category and status only: the chunks stay, nothing is embedded again.
      const recategorised = await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${article.id}`, payload: { category: null, status: 'draft' } });
      expect(recategorised.status).toBe(200);
      expect(recategorised.body.article).toMatchObject({ category: null, status: 'draft', chunkCount: 3, embeddingStatus: 'ready', content: sections });
      const retitled = await call(t.app, s, {
        method: 'PATCH',
        url: `${KB}/articles/${article.id}`,
        payload: { title: 'Caring for a down jacket', category: 'care' },
      });
      expect(retitled.body.article).toMatchObject({ title: 'Caring for a down jacket', category: 'care', chunkCount: 3, embeddingStatus: 'ready' });

      const removed = await call(t.app, s, { method: 'DELETE', url: `${KB}/articles/${article.id}` });
      expect(removed.status).toBe(204);
      expect(removed.body).toBeUndefined();
      expectError(await call(t.app, s, { method: 'GET', url: `${KB}/articles/${article.id}` }), 404, 'not_found');
      expectError(await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${article.id}`, payload: { category: 'x' } }), 404, 'not_found');
      expectError(await call(t.app, s, { method: 'DELETE', url: `${KB}/articles/${article.id}` }), 404, 'not_found');
      expect((await list(s)).data.map((row) => row.id)).not.toContain(article.id);
    });

    it('refuses a second article with the same title, whatever its case', async () => {
      const first = await createArticle(s, { title: 'Sleeping bag temperature ratings', content: 'Comfort, limit and extreme ratings explained.' });
      expectError(
        await call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: { title: 'SLEEPING BAG temperature RATINGS', content: 'Another text.' } }),
        409,
        'article_exists',
      );
      expectError(
        await call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: { title: '  Sleeping bag temperature ratings ', content: 'Another text.' } }),
        409,
        'article_exists',
      );
      const other = await createArticle(s, { title: 'Sleeping mats', content: 'R-values explained.' });
      expectError(
        await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${other.id}`, payload: { title: 'sleeping bag temperature ratings' } }),
        409,
        'article_exists',
      );
      // Its own title in another case is no conflict.
      const recased = await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${first.id}`, payload: { title: 'Sleeping Bag Temperature Ratings' } });
      expect(recased.status, JSON.stringify(recased.body)).toBe(200);
      expect(recased.body.article.title).toBe('Sleeping Bag Temperature Ratings');

      // Two writers at once: one article, one conflict (never a 500).
      const racing = await Promise.all(
        [1, 2].map(() => call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: { title: 'Racing title', content: 'Written twice at once.' } })),
      );
      expect(racing.map((answer) => answer.status).sort()).toEqual([201, 409]);
      expect((await list(s, 'q=Racing%20title')).data).toHaveLength(1);
    });

    it('pages the list with a cursor, newest change first, and filters it', async () => {
      const created = [];
      for (let i = 1; i <= 5; i++) {
        created.push(
          await createArticle(s, { title: `Paging test ${i}`, content: `Paging body ${i}.`, category: 'paging', status: i % 2 === 0 ? 'draft' : 'published' }),
        );
      }
      const seen: any[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      do {
        const page: { data: any[]; nextCursor: string | null } = await list(
          s,
          `category=paging&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        sizes.push(page.data.length);
        seen.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 1]);
      expect(seen.map((row) => row.id)).toEqual(created.map((row) => row.id).reverse());
      // Summaries: an excerpt instead of the content.
      expect(seen[0]).toMatchObject({ title: 'Paging test 5', excerpt: 'Paging body 5.', category: 'paging', status: 'published', chunkCount: 1 });
      expect(seen[0]).not.toHaveProperty('content');

      // A changed article moves to the front.
      await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${created[0].id}`, payload: { content: 'Paging body 1, changed.' } });
      expect((await list(s, 'category=paging&limit=1')).data.map((row) => row.id)).toEqual([created[0].id]);

      const titles = async (query: string) => (await list(s, query)).data.map((row) => row.title).sort();
      expect(await titles('category=paging&status=draft')).toEqual(['Paging test 2', 'Paging test 4']);
      expect(await titles('category=PAGING&status=published')).toEqual(['Paging test 1', 'Paging test 3', 'Paging test 5']);
      expect(await titles('q=paging%20TEST%203')).toEqual(['Paging test 3']);
      expect(await titles('category=nothing-here')).toEqual([]);

      // LIKE wildcards in q are literal characters.
      await createArticle(s, { title: '100% wool socks', content: 'Merino socks care.' });
      await createArticle(s, { title: 'snake_case titles', content: 'An odd title.' });
      expect(await titles('q=%25')).toEqual(['100% wool socks']);
      expect(await titles('q=_')).toEqual(['snake_case titles']);
      expect(await titles('q=%5C')).toEqual([]);

      expectError(await call(t.app, s, { method: 'GET', url: `${KB}/articles?cursor=not-a-cursor` }), 400, 'invalid_cursor');
      expectError(await call(t.app, s, { method: 'GET', url: `${KB}/articles?status=archived` }), 400);
      expectError(await call(t.app, s, { method: 'GET', url: `${KB}/articles?limit=101` }), 400);
    });

    it('stores Markdown with HTML and scripts verbatim, and keeps tags out of excerpts and snippets', async () => {
      const content = [
        '# Ventilation <em>matters</em>',
        '',
        '<script>alert(1)</script>',
        '',
        'Open both vents <img src=x onerror="alert(2)"> to stop condensation & drips.',
        '',
        '```html',
        '<iframe src="javascript:alert(3)"></iframe>',
        '```',
        '',
        '[click](javascript:alert(4)) and **bold** \u00e6\u00f8\u00e5 \u{1F3D5}\uFE0F',
      ].join('\n');
      const title = 'Condensation <b>inside</b> & "outside"';
      const article = await createArticle(s, { title, content });
      expect(article.title).toBe(title);
      expect(article.content).toBe(content);
      const read = await call(t.app, s, { method: 'GET', url: `${KB}/articles/${article.id}` });
      expect(read.body.article.content).toBe(content);
      expect(read.body.article.title).toBe(title);

      const [summary] = (await list(s, `q=${encodeURIComponent('Condensation <b>')}`)).data;
      expect(summary.id).toBe(article.id);
      expect(summary.excerpt).toContain('Open both vents');
      expect(summary.excerpt).not.toMatch(/<\s*(script|img|em)\b/i);
      const found = await search(s, 'condensation vents drips');
      expect(found.results[0]!.articleId).toBe(article.id);
      expect(found.results[0]!.snippet).not.toMatch(/<\s*(script|img|em)\b/i);
    });
  });

  // ---------------------------------------------------------------- search

  describe('search on a test knowledge base', () => {
    let s: Session;
    const ids = new Map<string, number>();

    beforeAll(async () => {
      s = await registerAccount(t.app, 'Tindra Outdoor');
      for (const article of testArticles) {
        const created = await createArticle(s, { title: article.title, content: article.content, category: article.category });
        expect(created.embeddingStatus, article.title).toBe('ready');
        ids.set(article.key, created.id);
      }
    }, 120_000);

    it('answers the hybrid shape, with every article embedded by the local model', async () => {
      const found = await search(s, 'How do I clean my tent?', 3);
      expect(found).toMatchObject({ mode: 'hybrid', strategy: 'exact', model: LOCAL_MODEL });
      expect(found.results).toHaveLength(3);
      for (const hit of found.results) {
        expect(hit).toEqual({
          articleId: expect.any(Number),
          title: expect.any(String),
          category: expect.any(String),
          snippet: expect.any(String),
          similarity: expect.any(Number),
          score: expect.any(Number),
        });
        expect(hit.similarity).toBeGreaterThan(0);
        expect(hit.similarity).toBeLessThanOrEqual(1);
        expect(hit.score).toBeGreaterThan(0);
        expect(hit.snippet.length).toBeGreaterThan(20);
      }
      const scores = found.results.map((hit) => hit.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      expect(found.results[0]!.articleId).toBe(ids.get('waterproofing'));

      const status = await call(t.app, s, { method: 'GET', url: `${KB}/embeddings` });
      expect(status.status).toBe(200);
      expect(status.body).toEqual({
        activeModel: LOCAL_MODEL,
        configuredModel: LOCAL_MODEL,
        buildingModel: null,
        progress: expect.any(Number),
        total: expect.any(Number),
        articles: { pending: 0, ready: testArticles.length, failed: 0 },
      });
    });

    it('finds the article a customer question means, in other words', async () => {
      const ranks: { question: string; rank: number; maxRank: number }[] = [];
      for (const { question, expected, maxRank } of paraphrases) {
        ranks.push({ question, rank: rankOf((await search(s, question, 5)).results, ids.get(expected)!), maxRank });
      }
      const measured = JSON.stringify(ranks.map(({ question, rank }) => [rank, question]));
      for (const { question, rank, maxRank } of ranks) {
        expect(rank, `${question} (measured: ${measured})`).toBeGreaterThan(0);
        expect(rank, `${question} (measured: ${measured})`).toBeLessThanOrEqual(maxRank);
      }
      expect(ranks.filter(({ rank }) => rank === 1).length, measured).toBeGreaterThanOrEqual(8);
    });

    it('finds the English article for a question in Finnish, Swedish, German, French or Spanish', async () => {
      const questions: [string, string][] = [
        ['Olen unohtanut salasanani enkä pääse kirjautumaan. Mitä teen?', 'password'],
        ['Minulta veloitettiin kaksi kertaa samasta tilauksesta', 'duplicate'],
        ['Hur lång är leveranstiden till Sverige och vad kostar frakten?', 'shipping'],
        ['Ich möchte meine Bestellung stornieren, bevor sie verschickt wird', 'cancel'],
        ['Ich möchte die Schuhe zurückschicken. Wann bekomme ich mein Geld zurück?', 'refund'],
        ['Ma garantie couvre-t-elle une couture qui se défait après un an ?', 'warranty'],
        ['¿Dónde introduzco mi código de descuento al pagar?', 'discount'],
      ];
      for (const [question, expected] of questions) {
        const found = await search(s, question, 3);
        expect(
          found.results.map((hit) => hit.articleId),
          `${question}: ${JSON.stringify(found.results.map((hit) => hit.title))}`,
        ).toContain(ids.get(expected));
      }
    });

    it('finds rare terms (an error code, a product name) first, also inside a longer sentence', async () => {
      for (const { question, expected } of rareTermQuestions) {
        const found = await search(s, question, 5);
        expect(found.results[0]?.articleId, `${question}: ${JSON.stringify(found.results.map((hit) => hit.title))}`).toBe(ids.get(expected));
        expect(found.results[0]!.snippet).toMatch(/ERR-7731|Fjellbrygga/);
      }
    });

    it('puts the rare term first through the full-text half where the vectors prefer another article', async () => {
      const { question, expected, vectorsPrefer } = rareTermAgainstVectors;
      // All 12 passages are vector candidates, so ordering every result by similarity is the vector half's ranking.
      const found = await search(s, question, 20);
      expect(found.results).toHaveLength(testArticles.length);
      const byVector = [...found.results].sort((x, y) => y.similarity - x.similarity);
      const titles = JSON.stringify({ fused: found.results.map((hit) => hit.title), vectors: byVector.map((hit) => hit.title) });
      // The premise: the vectors alone would answer with another article.
      expect(byVector[0]!.articleId, titles).toBe(ids.get(vectorsPrefer));
      expect(found.results[0]!.articleId, titles).toBe(ids.get(expected));
      expect(found.results[0]!.score).toBeGreaterThan(found.results[1]!.score);
    });

    it('matches a number exactly: order 12345 does not find order 123456 as a prefix', async () => {
      const shop = await registerAccount(t.app, 'Numbered orders');
      const exact = await createArticle(shop, { title: 'Late parcels', content: 'Order 12345 left our warehouse late because of the storm.' });
      const longer = await createArticle(shop, { title: 'Lost parcels', content: 'Order 123456 was lost by the carrier and is sent again.' });
      const found = await search(shop, '12345');
      const scoreOf = (id: number) => found.results.find((hit) => hit.articleId === id)?.score;
      const scores = JSON.stringify(found.results.map((hit) => [hit.title, hit.score]));
      // Both are vector candidates (first rank in one half: 1/61 = 0.0164); the full-text half adds its own share (up to 1/61) to a match.
      expect(found.results[0]!.articleId, scores).toBe(exact.id);
      expect(scoreOf(exact.id), scores).toBeGreaterThan(0.03);
      expect(scoreOf(longer.id), scores).toBeLessThan(0.02);
    });

    it('weighs an article by the words of its title and headings, kept with its chunks when it is changed', async () => {
      const shop = await registerAccount(t.app, 'Title words');
      const content = '## Winter storage\n\nDry the hull before you store the kayak for the winter.';
      const article = await createArticle(shop, { title: 'Kayak care', content });
      const titleWords = async () => {
        const [row] = await withTenant(t.database.db, { accountId: shop.accountId }, (tx) =>
          rows<{ words: string }>(tx, sql`select title_vector::text as words from knowledge_base_articles where id = ${article.id}`),
        );
        return row!.words;
      };
      expect(await titleWords()).toBe("'care' 'kayak' 'storag' 'winter'");
      const renamed = await call(t.app, shop, { method: 'PATCH', url: `${KB}/articles/${article.id}`, payload: { title: 'Canoe care' } });
      expect(renamed.status).toBe(200);
      expect(await titleWords()).toBe("'cano' 'care' 'storag' 'winter'");
    });

    it('returns at most `limit` results', async () => {
      expect((await search(s, 'order', 1)).results).toHaveLength(1);
      expect((await search(s, 'order', 20)).results.length).toBeLessThanOrEqual(testArticles.length);
      const defaults = await call(t.app, s, { method: 'GET', url: `${KB}/search?q=${encodeURIComponent('what does shipping cost')}` });
      expect(defaults.body.results).toHaveLength(5);
    });
  });

  // ---------------------------------------------------------------- visibility

  describe('what search sees: drafts, publishing, deleting', () => {
    let s: Session;
    beforeAll(async () => {
      s = await registerAccount(t.app, 'KB visibility');
      await createArticle(s, { title: 'Opening hours of the Bergen store', content: 'The Bergen store is open 10-18 on weekdays and 10-16 on Saturdays.' });
      await createArticle(s, { title: 'Size guide for rain jackets', content: 'Measure your chest and compare it with the size table.' });
    }, 120_000);

    const idsOf = async (q: string) => (await search(s, q, 10)).results.map((hit) => hit.articleId);

    it('does not search drafts; publishing makes an article searchable, unpublishing and deleting take it out at once', async () => {
      const draft = await createArticle(s, {
        title: 'Kayak rental at Svolvaerbryggen',
        content: 'You can rent a sea kayak at our Svolvaerbryggen pier from May to September. A day of paddling costs 600 NOK, life vest included.',
        status: 'draft',
      });
      expect(draft).toMatchObject({ status: 'draft', embeddingStatus: 'ready' });
      expect(await idsOf('Svolvaerbryggen')).not.toContain(draft.id);
      expect(await idsOf('Can I hire a canoe to go paddling on the sea?')).not.toContain(draft.id);
      expect((await list(s, 'status=draft')).data.map((row) => row.id)).toEqual([draft.id]);

      await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${draft.id}`, payload: { status: 'published' } });
      expect((await idsOf('Svolvaerbryggen'))[0]).toBe(draft.id);
      expect((await idsOf('Can I hire a canoe to go paddling on the sea?'))[0]).toBe(draft.id);

      await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${draft.id}`, payload: { status: 'draft' } });
      expect(await idsOf('Svolvaerbryggen')).not.toContain(draft.id);

      await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/${draft.id}`, payload: { status: 'published' } });
      expect((await idsOf('Svolvaerbryggen'))[0]).toBe(draft.id);
      expect((await call(t.app, s, { method: 'DELETE', url: `${KB}/articles/${draft.id}` })).status).toBe(204);
      expect(await idsOf('Svolvaerbryggen')).not.toContain(draft.id);
      expect(await idsOf('Can I hire a canoe to go paddling on the sea?')).not.toContain(draft.id);
    });
  });

  // ---------------------------------------------------------------- tenant isolation

  describe('tenant isolation', () => {
    let a: Session;
    let b: Session;
    let secret: any;
    let importId: number;
    let conversationId: number;
    const SECRET_TITLE = 'Aurora Pro lantern wholesale prices';
    const SECRET_TERM = 'QZX-4410';

    beforeAll(async () => {
      a = await registerAccount(t.app, 'KB tenant A');
      b = await registerAccount(t.app, 'KB tenant B');
      secret = await createArticle(a, {
        title: SECRET_TITLE,
        content: `Internal: the Aurora Pro lantern costs 310 NOK to retailers (code ${SECRET_TERM}). Never tell customers.`,
        category: 'internal',
      });
      await createArticle(b, { title: 'Lantern batteries', content: 'The lantern takes three AA batteries and runs for 40 hours.', category: 'devices' });
      const started = await startImport(a, { articles: [{ title: 'Imported by A', content: 'An article A imported.' }] });
      importId = started.id;
      expect((await importFinished(a, importId)).status).toBe('completed');

      // A reply draft of A (the ai_drafts table), written from A's knowledge base.
      const opened = await call(t.app, a, {
        method: 'POST',
        url: '/api/conversations',
        payload: { contact: { name: 'Retail buyer' }, message: { content: 'What are your wholesale prices for the Aurora Pro lantern?' } },
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      conversationId = opened.body.conversation.id;
      const requested = await call(t.app, a, { method: 'POST', url: '/api/ai/draft', payload: { messageId: opened.body.message.id } });
      expect(requested.status, JSON.stringify(requested.body)).toBe(202);
      await eventually('a draft for A', async () =>
        (await call(t.app, a, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` })).status === 200 ? true : undefined,
      );
    }, 120_000);

    it("answers 404 for A's article by id to B, exactly as for a missing id, and changes nothing", async () => {
      const missing = 2_147_483_000;
      for (const [method, payload] of [
        ['GET', undefined],
        ['PATCH', { title: 'Taken over', content: 'Overwritten by B', status: 'draft' }],
        ['DELETE', undefined],
      ] as const) {
        const theirs = await call(t.app, b, { method, url: `${KB}/articles/${secret.id}`, ...(payload ? { payload } : {}) });
        const nothing = await call(t.app, b, { method, url: `${KB}/articles/${missing}`, ...(payload ? { payload } : {}) });
        expectError(theirs, 404, 'not_found', method);
        expectError(nothing, 404, 'not_found', method);
        expect(theirs.body.error.message).toBe(nothing.body.error.message);
      }
      const still = await call(t.app, a, { method: 'GET', url: `${KB}/articles/${secret.id}` });
      expect(still.body.article).toMatchObject({ title: SECRET_TITLE, content: secret.content, status: 'published' });
      expect((await search(a, SECRET_TERM)).results[0]?.articleId).toBe(secret.id);
    });

    it("shows B none of A's articles in its list or its search, even for A's exact title and terms", async () => {
      const listed = await list(b, 'limit=100');
      expect(listed.data.length).toBeGreaterThan(0);
      expect(listed.data.every((row) => row.title !== SECRET_TITLE && row.id !== secret.id)).toBe(true);
      expect((await list(b, `q=${encodeURIComponent(SECRET_TITLE)}`)).data).toEqual([]);
      expect((await list(b, 'category=internal')).data).toEqual([]);
      for (const q of [SECRET_TITLE, SECRET_TERM, `wholesale price of the Aurora Pro lantern ${SECRET_TERM}`, 'Imported by A']) {
        const found = await search(b, q, 20);
        expect(
          found.results.map((hit) => hit.articleId),
          q,
        ).not.toContain(secret.id);
        expect(JSON.stringify(found), q).not.toMatch(/Aurora Pro|QZX|310 NOK|Imported by A/);
      }
      // B may use the same title: titles are unique within an account only.
      const own = await createArticle(b, { title: SECRET_TITLE, content: 'B has its own article of that name.' });
      expect(own.id).not.toBe(secret.id);
      const status = await call(t.app, b, { method: 'GET', url: `${KB}/embeddings` });
      expect(status.body.articles).toEqual({ pending: 0, ready: 2, failed: 0 });
      await call(t.app, b, { method: 'DELETE', url: `${KB}/articles/${own.id}` });
      expect((await call(t.app, a, { method: 'GET', url: `${KB}/articles/${secret.id}` })).body.article.title).toBe(SECRET_TITLE);
    });

    it("answers 404 for A's import and draft to B", async () => {
      expectError(await call(t.app, b, { method: 'GET', url: `${KB}/imports/${importId}` }), 404, 'not_found');
      const imports = await call(t.app, b, { method: 'GET', url: `${KB}/imports` });
      expect(imports.status).toBe(200);
      expect(imports.body.data).toEqual([]);
      expect((await call(t.app, a, { method: 'GET', url: `${KB}/imports` })).body.data.map((row: { id: number }) => row.id)).toEqual([importId]);
      expectError(await call(t.app, b, { method: 'GET', url: `/api/conversations/${conversationId}/drafts` }), 404);
    });

    it('lets hummdesk_app, set to account B, read not one row of A in the knowledge-base and draft tables', async () => {
      const db = t.database.db;
      const asApp = (accountId: number, query: SQL) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`set local role ${sql.identifier(APP_ROLE)}`);
          await tx.execute(sql`select set_config('app.current_account_id', ${String(accountId)}, true)`);
          return rows<{ user: string; theirs: number; total: number }>(tx, query);
        });
      // An import's list of articles to write is empty once it finished: A gets one row to hide.
      await withTenant(db, { accountId: a.accountId }, (tx) =>
        insertImportItems(tx, a.accountId, importId, [{ title: SECRET_TITLE, content: 'still to import' }]),
      );
      const tables = [
        'knowledge_base_articles',
        'knowledge_base_chunks',
        'knowledge_base_embeddings',
        'knowledge_base_index_state',
        'knowledge_base_imports',
        'knowledge_base_import_items',
        'ai_drafts',
      ];
      for (const table of tables) {
        const count = (accountId: number) =>
          rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)} where account_id = ${accountId}`).then((r) => r[0]!.n);
        const [ofA, ofB] = [await count(a.accountId), await count(b.accountId)];
        // The owner (superuser: no row-level security) sees A's rows: there is something to hide.
        expect(ofA, `${table}: rows of A`).toBeGreaterThan(0);
        const probe = sql`select current_user as "user", (count(*) filter (where account_id = ${a.accountId}))::int as theirs, count(*)::int as total
          from ${sql.identifier(table)}`;
        expect(await asApp(b.accountId, probe), table).toEqual([{ user: APP_ROLE, theirs: 0, total: ofB }]);
        expect(await asApp(a.accountId, probe), table).toEqual([{ user: APP_ROLE, theirs: ofA, total: ofA }]);
      }
      // B's search vectors cannot be joined to A's chunks either.
      const joined = await asApp(
        b.accountId,
        sql`select current_user as "user", count(*)::int as theirs, count(*)::int as total from knowledge_base_chunks c
            join knowledge_base_articles a on a.id = c.article_id where a.title = ${SECRET_TITLE}`,
      );
      expect(joined).toEqual([{ user: APP_ROLE, theirs: 0, total: 0 }]);
    });
  });

  // ---------------------------------------------------------------- bulk import

  describe('bulk import', () => {
    let s: Session;
    beforeAll(async () => {
      s = await registerAccount(t.app, 'KB import');
    }, 120_000);

    const byTitle = async () => new Map((await list(s, 'limit=100')).data.map((row) => [row.title, row]));

    it('imports JSON articles and Markdown files as a job: created, refused and replaced counted', async () => {
      const started = await startImport(s, {
        articles: [
          { title: 'Bike rack fitting', content: 'The rack fits frames from 26 to 29 inches.', category: 'bikes' },
          { title: 'Headlamp modes', content: 'Press twice for the red light.' },
          { title: 'Unreleased stove', content: 'Coming next spring.', status: 'draft' },
        ],
        files: [
          { path: 'billing/refunds.md', content: '---\ntitle: Refund rules\n---\n# ignored\nbody' },
          { path: 'shipping/times.md', content: '# Delivery times\n\nParcels arrive within 2 to 4 working days.' },
          { path: 'empty.md', content: '   ' },
        ],
      });
      expect(started).toMatchObject({ id: expect.any(Number), total: 6, created: 0, updated: 0, failed: 1, finishedAt: null });
      expect(['queued', 'running', 'completed']).toContain(started.status);
      expect(started.errors).toEqual([{ title: 'Empty', error: expect.stringMatching(/empty/i) }]);

      const done = await importFinished(s, started.id);
      expect(done).toMatchObject({ id: started.id, status: 'completed', total: 6, processed: 6, created: 5, updated: 0, failed: 1 });
      expect(done.errors).toEqual([{ title: 'Empty', error: expect.stringMatching(/empty/i) }]);
      expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));

      const articles = await byTitle();
      expect([...articles.keys()].sort()).toEqual(['Bike rack fitting', 'Delivery times', 'Headlamp modes', 'Refund rules', 'Unreleased stove']);
      expect(articles.get('Refund rules')).toMatchObject({ category: 'billing', status: 'published', author: { id: s.userId } });
      expect(articles.get('Delivery times')).toMatchObject({ category: 'shipping', status: 'published' });
      expect(articles.get('Bike rack fitting')).toMatchObject({ category: 'bikes' });
      expect(articles.get('Headlamp modes')).toMatchObject({ category: null });
      expect(articles.get('Unreleased stove')).toMatchObject({ status: 'draft' });
      const refund = await call(t.app, s, { method: 'GET', url: `${KB}/articles/${articles.get('Refund rules').id}` });
      expect(refund.body.article.content).toBe('# ignored\nbody');

      // A second import with a title that exists (in another case): that article is replaced.
      const again = await startImport(s, { articles: [{ title: 'REFUND RULES', content: 'Refunds within 5 working days.', category: 'billing' }] });
      const second = await importFinished(s, again.id);
      expect(second).toMatchObject({ status: 'completed', total: 1, processed: 1, created: 0, updated: 1, failed: 0, errors: [] });
      const after = await byTitle();
      expect(after.size).toBe(5);
      const replaced = await call(t.app, s, { method: 'GET', url: `${KB}/articles/${articles.get('Refund rules').id}` });
      expect(replaced.body.article).toMatchObject({ content: 'Refunds within 5 working days.', category: 'billing' });
      expect(replaced.body.article.title.toLowerCase()).toBe('refund rules');

      const history = await call(t.app, s, { method: 'GET', url: `${KB}/imports` });
      expect(history.body.data.map((row: { id: number }) => row.id)).toEqual([again.id, started.id]);
    });

    it('goes on after a stop with the articles still listed, and lists none once finished', async () => {
      // As a server stopped after the import's first article leaves it: one written and counted, two listed.
      const scope = { accountId: s.accountId };
      const id = await withTenant(t.database.db, scope, async (tx) => {
        const [row] = await tx
          .insert(knowledgeBaseImports)
          .values({ accountId: s.accountId, status: 'running', total: 3, processed: 1, created: 1, createdBy: s.userId })
          .returning({ id: knowledgeBaseImports.id });
        await insertArticle(tx, s.accountId, { title: 'Resumed one', content: 'Written before the stop.' });
        await insertImportItems(tx, s.accountId, row!.id, [
          { title: 'Resumed two', content: 'Written after the restart.' },
          { title: 'Resumed three', content: 'Also after it.', category: 'later', status: 'draft' },
        ]);
        await insertJob(tx, 'kb-import', { accountId: s.accountId, importId: row!.id }, { key: jobKey(s.accountId, row!.id) });
        return row!.id;
      });
      t.queue.wake();
      expect(await importFinished(s, id)).toMatchObject({ status: 'completed', total: 3, processed: 3, created: 3, failed: 0 });
      const articles = await byTitle();
      expect(articles.get('Resumed three')).toMatchObject({ category: 'later', status: 'draft' });
      expect([...articles.keys()].filter((title) => title.startsWith('Resumed')).sort()).toEqual(['Resumed one', 'Resumed three', 'Resumed two']);
      const listed = await rows<{ n: number }>(t.database.db, sql`select count(*)::int as n from knowledge_base_import_items where import_id = ${id}`);
      expect(listed).toEqual([{ n: 0 }]);
    });

    it('runs two imports of an account at a time, and refuses a third until one has finished', async () => {
      const busy = await registerAccount(t.app, 'KB busy importer');
      // Two imports no worker has taken yet (no jobs): what a burst of large imports leaves queued.
      const unfinished = await withTenant(t.database.db, { accountId: busy.accountId }, (tx) =>
        tx
          .insert(knowledgeBaseImports)
          .values([0, 1].map(() => ({ accountId: busy.accountId, status: 'queued' as const, total: 1 })))
          .returning({ id: knowledgeBaseImports.id }),
      );
      const article = { articles: [{ title: 'Third import', content: 'Waits its turn.' }] };
      const refused = await call(t.app, busy, { method: 'POST', url: `${KB}/imports`, payload: article });
      expectError(refused, 409, 'imports_in_progress');
      // Nothing of the refused import was written, and another account imports meanwhile.
      const listed = await call(t.app, busy, { method: 'GET', url: `${KB}/imports` });
      expect(listed.body.data.map((row: { id: number }) => row.id).sort()).toEqual(unfinished.map((row) => row.id).sort());
      expect((await importFinished(s, (await startImport(s, { articles: [{ title: 'Meanwhile', content: 'Another account.' }] })).id)).status).toBe(
        'completed',
      );

      await withTenant(t.database.db, { accountId: busy.accountId }, (tx) =>
        tx.update(knowledgeBaseImports).set({ status: 'completed' }).where(eq(knowledgeBaseImports.id, unfinished[0]!.id)),
      );
      expect((await importFinished(busy, (await startImport(busy, article)).id)).status).toBe('completed');
    });

    it('imports the Markdown files of a zip, skipping other files and macOS metadata; they become searchable', async () => {
      const archive = zipSync({
        'guides/aurora-lamp.md': strToU8(
          '# Pairing the Aurora lamp\n\nHold the dimmer ring for five seconds until the lamp blinks blue, then pick it in the Tindra Home app.',
        ),
        'faq/gift-wrapping.md': strToU8('---\ncategory: extras\n---\nWe wrap any order in recycled paper for 29 NOK; choose it at checkout.'),
        'images/logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        '__MACOSX/guides/._aurora-lamp.md': new Uint8Array([0, 5, 22, 7, 0, 2, 0, 0]),
        'guides/.DS_Store': new Uint8Array([0, 0, 0, 1]),
      });
      const answer = await call(t.app, s, {
        method: 'POST',
        url: `${KB}/imports/zip`,
        headers: { 'content-type': 'application/zip' },
        payload: Buffer.from(archive),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect(answer.body.import).toMatchObject({ total: 2, failed: 0, errors: [] });
      const done = await importFinished(s, answer.body.import.id);
      expect(done).toMatchObject({ status: 'completed', total: 2, processed: 2, created: 2, updated: 0, failed: 0 });

      const articles = await byTitle();
      expect(articles.get('Pairing the Aurora lamp')).toMatchObject({ category: 'guides', status: 'published' });
      expect(articles.get('Gift wrapping')).toMatchObject({ category: 'extras', status: 'published' });
      expect([...articles.keys()].some((title) => /logo|DS_Store|\._/i.test(title))).toBe(false);

      // Their kb-embed jobs embed them: found by meaning (a real similarity), not only by words.
      const lamp = articles.get('Pairing the Aurora lamp').id;
      const hit = await eventually(
        'the imported lamp article to be embedded and found',
        async () => {
          const article = (await call(t.app, s, { method: 'GET', url: `${KB}/articles/${lamp}` })).body.article;
          if (article.embeddingStatus !== 'ready') return undefined;
          const found = await search(s, 'How do I connect my light to the phone app?', 3);
          const top = found.results[0];
          return top && top.articleId === lamp && top.similarity > 0.2 ? top : undefined;
        },
        { intervalMs: 300 },
      );
      expect(hit.title).toBe('Pairing the Aurora lamp');
      const status = await call(t.app, s, { method: 'GET', url: `${KB}/embeddings` });
      expect(status.body.articles.failed).toBe(0);
      await eventually('every imported article embedded', async () => {
        const counts = (await call(t.app, s, { method: 'GET', url: `${KB}/embeddings` })).body.articles;
        return counts.pending === 0 ? counts : undefined;
      });
    }, 90_000);
  });
});

/**
 * Bad input, and a 3 MB article, on an app that runs no job workers: the article's `kb-embed`
 * job stays queued, so embedding its 4,000 passages neither slows the rest of the run nor
 * competes with the searches timed here (the embedding model is shared with search).
 */
describe.each(await databaseKinds())('knowledge base, bad input and large articles, on %s (no job workers)', (kind) => {
  let t: TestApp;
  const { createArticle, search, list, agentOf } = kbApi(() => t.app);

  beforeAll(async () => {
    t = await createTestApp(kind);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  // ---------------------------------------------------------------- bad input

  describe('bad input', () => {
    let s: Session;
    let agent: Session;
    beforeAll(async () => {
      s = await registerAccount(t.app, 'KB bad input');
      agent = await agentOf(s);
      await createArticle(s, { title: 'Stove fuel', content: 'Our stoves burn white gas, kerosene and unleaded petrol.' });
    }, 120_000);

    const articleCount = async () => (await list(s, 'limit=100')).data.length;

    it('rejects bad search queries with 400 and survives operators, stop words and odd characters', async () => {
      const q = (value: string | undefined, extra = '') =>
        call(t.app, s, { method: 'GET', url: `${KB}/search?${value === undefined ? '' : `q=${encodeURIComponent(value)}`}${extra}` });
      expectError(await q(undefined), 400, 'validation_error');
      expectError(await q(''), 400, 'validation_error');
      expectError(await q('   '), 400, 'validation_error');
      expectError(await q('x'.repeat(1_001)), 400, 'validation_error');
      expect((await q('stove '.repeat(166) + 'fuel')).status).toBe(200); // 1,000 characters
      for (const limit of ['abc', '2.5', '0', '21', '-1', '']) expectError(await q('stove', `&limit=${limit}`), 400, undefined, `limit=${limit}`);
      expectError(await q('stove', '&unknown=1'), 400);

      const odd = [
        "'& | ! <-> :* ( ) \\ ; DROP TABLE knowledge_base_articles; --",
        '!!!',
        ':*',
        "'",
        '<->',
        'the and of',
        'a',
        '\u{1F3D5}\uFE0F \u{1F525}',
        'stove & fuel | (petrol)',
        "fuel' OR '1'='1",
        '%_\\',
        'https://example.com/a?b=1&c=2',
        'fuel:*A & !kerosene',
      ];
      for (const text of odd) {
        const answer = await q(text);
        expect(answer.status, `${text}: ${JSON.stringify(answer.body)}`).toBe(200);
        expect(Array.isArray(answer.body.results), text).toBe(true);
      }
      expect((await search(s, "'& | ! <-> :* ( ) \\ ; DROP TABLE fuel")).results[0]?.title).toBe('Stove fuel');
      expect(await articleCount()).toBe(1);
      // A NUL byte cannot reach Postgres as text: a 400, not a 500.
      const nul = await q('fuel\u0000petrol');
      expectError(nul, 400, 'invalid_text');
    });

    it('validates article fields', async () => {
      const post = (payload: unknown) => call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: payload as object });
      const cases: [string, unknown][] = [
        ['unknown field', { title: 'Unknown field', content: 'x', tags: ['a'] }],
        ['title of 201 characters', { title: 'T'.repeat(201), content: 'x' }],
        ['empty title', { title: '', content: 'x' }],
        ['whitespace title', { title: ' \t\n ', content: 'x' }],
        ['empty content', { title: 'Empty content', content: '' }],
        ['whitespace content', { title: 'Whitespace content', content: ' \n\t\n ' }],
        ['missing content', { title: 'Missing content' }],
        ['content not a string', { title: 'Numeric content', content: 42 }],
        ['unknown status', { title: 'Status', content: 'x', status: 'archived' }],
        ['category with a slash', { title: 'Category', content: 'x', category: 'a/b' }],
        ['category of 51 characters', { title: 'Category', content: 'x', category: 'c'.repeat(51) }],
        ['an array', [{ title: 'Array', content: 'x' }]],
      ];
      for (const [label, payload] of cases) expectError(await post(payload), 400, undefined, label);
      const unknown = await post({ title: 'Unknown field', content: 'x', tags: ['a'] });
      expect(unknown.body.error.message).toContain('tags');
      expectError(await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/1`, payload: {} }), 400);
      expectError(await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/1`, payload: { author: 'me' } }), 400);
      expectError(await call(t.app, s, { method: 'GET', url: `${KB}/articles/abc` }), 400);
      expectError(await call(t.app, s, { method: 'GET', url: `${KB}/articles/99999999999` }), 400);

      // NUL bytes cannot be stored as text: a 400, and nothing written.
      expectError(await post({ title: 'Nul content', content: 'before\u0000after' }), 400);
      expectError(await post({ title: 'Nul\u0000title', content: 'fine' }), 400);
      expect(await articleCount()).toBe(1);

      expect((await post({ title: 'T'.repeat(200), content: 'A title of exactly 200 characters.' })).status).toBe(201);
      expect(await articleCount()).toBe(2);
      expectError(await call(t.app, undefined, { method: 'GET', url: `${KB}/articles` }), 401);
      expectError(await call(t.app, undefined, { method: 'GET', url: `${KB}/search?q=fuel` }), 401);
    });

    describe('a 3 MB article', () => {
      let big: any;
      afterAll(async () => {
        if (big) expect((await call(t.app, s, { method: 'DELETE', url: `${KB}/articles/${big.id}` })).status).toBe(204);
      }, 120_000);

      it('is taken quickly and chunked, left to its kb-embed job, and found by its words meanwhile', async () => {
        const paragraph = (i: number) => `Section ${i}: check guy line ${i} and stake ${i} before the storm; tension them evenly so the flysheet stays taut.`;
        const parts: string[] = [];
        for (let i = 0, length = 0; length < 3_000_000; i++) {
          parts.push(paragraph(i));
          length += parts.at(-1)!.length + 2;
        }
        const content = parts.join('\n\n').slice(0, 3_000_000);
        const started = performance.now();
        const created = await call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: { title: 'The long storm manual', content } });
        const elapsed = performance.now() - started;
        expect(created.status, JSON.stringify(created.body)?.slice(0, 300)).toBe(201);
        big = created.body.article;
        expect(big.embeddingStatus).toBe('pending');
        expect(big.chunkCount).toBeGreaterThan(1000);
        expect(big.content.length).toBe(3_000_000);
        expect(elapsed, `creating took ${Math.round(elapsed)} ms`).toBeLessThan(20_000);
        // Too long to embed before the answer: its job will (no worker runs it here).
        const jobs = await call(t.app, s, { method: 'GET', url: '/api/queue/jobs?limit=200' });
        expect(jobs.status).toBe(200);
        expect(
          jobs.body.data.filter((job: { queue: string; key: string }) => job.queue === 'kb-embed' && job.key.startsWith(`${s.accountId}-${big.id}-`)),
        ).toEqual([expect.objectContaining({ state: 'waiting' })]);
        // Its passages are in the full-text index already, while it has no vector.
        const hit = (await search(s, '4321')).results.find((result) => result.articleId === big.id);
        expect(hit).toMatchObject({ title: 'The long storm manual', similarity: 0 });
        expect(hit!.snippet).toContain('Section 4321: check guy line 4321');
      }, 60_000);

      // A guard against a quadratic query, not a timing test: when each word's frequency was
      // counted again for every passage containing it, this search ran into the 15 s statement
      // timeout (a 500); counted once, it takes about 100 ms, far inside the 10 s allowed here.
      it('is searched with common words in well under a second, not for as long as the statement timeout', async () => {
        expect(big, 'the 3 MB article of the test above').toBeDefined();
        const started = performance.now();
        const answer = await Promise.race([
          call(t.app, s, { method: 'GET', url: `${KB}/search?q=${encodeURIComponent('guy line')}` }),
          new Promise<'too slow'>((resolve) => setTimeout(() => resolve('too slow'), 10_000).unref()),
        ]);
        const elapsed = Math.round(performance.now() - started);
        expect(answer, `search over ${big.chunkCount} passages: no answer within 10 s`).not.toBe('too slow');
        if (answer === 'too slow') return;
        expect(answer.status, `${elapsed} ms: ${JSON.stringify(answer.body)}`).toBe(200);
        expect(answer.body.results.map((hit: { articleId: number }) => hit.articleId)).toContain(big.id);
      }, 60_000);

      it('refuses over 5,000,000 characters (400) and bodies over 16 MB (413)', async () => {
        const tooLong = await call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: { title: 'Too long', content: 'x'.repeat(5_000_001) } });
        expectError(tooLong, 400, 'validation_error');
        const tooBig = await call(t.app, s, { method: 'POST', url: `${KB}/articles`, payload: { title: 'Too big', content: 'y'.repeat(17 * 1024 * 1024) } });
        expectError(tooBig, 413, 'payload_too_large');
        const tooBigPatch = await call(t.app, s, { method: 'PATCH', url: `${KB}/articles/1`, payload: { content: 'y'.repeat(17 * 1024 * 1024) } });
        expectError(tooBigPatch, 413, 'payload_too_large');
        expect((await list(s, 'q=Too')).data).toEqual([]);
      }, 60_000);
    });

    it('refuses imports that are not archives, hold nothing, or come from an agent', async () => {
      const zip = (body: Buffer | string, type = 'application/zip', session = s) =>
        call(t.app, session, { method: 'POST', url: `${KB}/imports/zip`, headers: { 'content-type': type }, payload: body });
      expectError(await zip(Buffer.from('this is not a zip archive, just text')), 422, 'invalid_archive');
      expectError(await zip(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])), 422, 'invalid_archive');
      const onlyImages = Buffer.from(zipSync({ 'logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]), '__MACOSX/a.md': strToU8('# hidden') }));
      expectError(await zip(onlyImages), 422, 'nothing_to_import');
      expectError(await zip(Buffer.alloc(0)), 422, 'invalid_archive');
      expectError(await zip('a text, not an archive', 'text/plain'), 415, 'unsupported_media_type');

      const json = (body: unknown, session = s) => call(t.app, session, { method: 'POST', url: `${KB}/imports`, payload: body as object });
      expectError(await json({}), 400);
      expectError(await json({ articles: [{ title: 'x', content: 'y', extra: 1 }] }), 400);
      expectError(await json({ articles: [] }), 422, 'nothing_to_import');
      expectError(await json({ files: [] }), 422, 'nothing_to_import');
      expectError(await json({ files: [{ path: 'empty.md', content: ' \n ' }] }), 422, 'nothing_to_import');
      // A NUL byte anywhere refuses the whole import before it is queued.
      expectError(
        await json({ articles: [{ title: 'Fine', content: 'fine' }], files: [{ path: 'x/nul.md', content: '# Nul file\n\nbad \u0000 byte' }] }),
        400,
        'invalid_text',
      );

      const good = { articles: [{ title: 'Agent import', content: 'Not allowed.' }] };
      expectError(await json(good, agent), 403, 'forbidden');
      expectError(await zip(Buffer.from(zipSync({ 'a.md': strToU8('# A\n\nbody') })), 'application/zip', agent), 403, 'forbidden');
      // Agents write articles, though.
      const byAgent = await createArticle(agent, { title: 'Written by an agent', content: 'Agents keep the knowledge base current.' });
      expect(byAgent.author.id).toBe(agent.userId);
      expect((await call(t.app, s, { method: 'GET', url: `${KB}/imports` })).body.data).toEqual([]);
    });
  });
});
