/**
 * Changing the embedding model: an installation that moves from the local encoder to OpenAI
 * embeddings (a local server speaking their wire format, through the real SDK) re-embeds every
 * chunk in the background with progress, keeps searching the old vectors until the new ones are
 * complete, then switches and drops the old ones. Also: a large account's search goes through
 * the model's HNSW index and finds what exact search finds.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.js';
import { openAiServer, type Hold, type WireServer } from '../../test-support/ai-wire-servers.js';
import { buildTestApp, call, registerAccount, type Session } from '../../test-support/app.js';
import { eventually } from '../../test-support/checks.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test-support/databases.js';

const ARTICLES = [
  {
    title: 'Resetting your password',
    content: 'Use the "Forgot password" link on the sign-in page. The reset e-mail arrives within five minutes; check the spam folder.',
  },
  {
    title: 'Delivery times',
    content: 'Orders ship from our warehouse in two working days. Delivery to Finland takes one to three days, to the rest of the EU three to six days.',
  },
  {
    title: 'Tent care',
    content: 'Dry the Fjellbrygga tent completely before storing it. Never machine-wash the fly sheet; rinse it with lukewarm water instead.',
  },
  { title: 'Gift cards', content: 'Gift cards are valid for three years and can be used online and in our Helsinki store, several in one order.' },
];

const OPENAI_MODEL_ID = 'openai-text-embedding-3-small-64';

/** Written while the re-embedding is under way. */
const LATE = { title: 'Store opening hours', content: 'Our Helsinki store is open Monday to Saturday from ten to six.' };

/** An embeddings request of the new model for the chunks that were there before the move. */
const ofExistingChunks = (request: { path: string; body: any }) =>
  request.path.endsWith('/embeddings') && JSON.stringify(request.body?.input ?? '').includes('Fjellbrygga');

describe.each(await databaseKinds())('a change of embedding model on %s', (kind) => {
  let testDb: TestDatabase;
  let server: WireServer;
  let local: FastifyInstance | undefined;
  let hosted: FastifyInstance | undefined;
  let admin: Session;
  let existingChunks: Hold | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    server = await openAiServer();
    local = await buildTestApp(testDb.database, {}, undefined, true);
    admin = await registerAccount(local, 'Re-embedding');
    for (const article of ARTICLES) {
      const created = await call(local, admin, { method: 'POST', url: '/api/knowledge-base/articles', payload: article });
      expect(created.status).toBe(201);
    }
    // Their kb-embed jobs run here, on the local model, not later in the process that moves.
    await embedJobsFinished(local);
  }, 120_000);
  afterAll(async () => {
    existingChunks?.release(); // should a test have failed while holding them
    await hosted?.close();
    await local?.close();
    await testDb?.drop();
    await server?.close();
  });

  /** Every kb-embed job of the account has finished (the articles' own embedding jobs). */
  const embedJobsFinished = (app: FastifyInstance) =>
    eventually('the kb-embed jobs of the articles to finish', async () => {
      const jobs = await call(app, admin, { method: 'GET', url: '/api/queue/jobs?limit=200' });
      expect(jobs.status).toBe(200);
      const embedJobs = jobs.body.data.filter((job: { queue: string }) => job.queue === 'kb-embed');
      expect(embedJobs.filter((job: { state: string }) => job.state === 'failed')).toEqual([]);
      return embedJobs.length > 0 && embedJobs.every((job: { state: string }) => job.state === 'completed') ? true : undefined;
    });
  const search = (app: FastifyInstance, q: string) => call(app, admin, { method: 'GET', url: `/api/knowledge-base/search?q=${encodeURIComponent(q)}` });
  const modelCounts = async () =>
    queryRows<{ model: string; n: number }>(
      testDb.database.db,
      sql`select model, count(*)::int as n from knowledge_base_embeddings group by model order by model`,
    );

  it('searches the local vectors of a new installation', async () => {
    const found = await search(local!, 'how long does shipping take');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ mode: 'hybrid', strategy: 'exact', model: 'local-use-lite-512' });
    expect(found.body.results[0].title).toBe('Delivery times');
  });

  it('re-embeds every chunk with the new model in the background, searching the old vectors until the new ones are complete', async () => {
    await local!.close();
    local = undefined;
    // The new model's answers for the existing chunks wait until the test releases them: the move
    // is watched while it is certainly in progress, however fast or slow this machine is.
    existingChunks = server.hold(ofExistingChunks);
    hosted = await buildTestApp(
      testDb.database,
      // A held request must not time out (and be retried) while the test looks.
      { EMBEDDING_PROVIDER: 'openai', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: `${server.url}/v1`, EMBEDDING_DIMENSIONS: '64', AI_TIMEOUT_MS: '120000' },
      undefined,
      true,
    );

    const started = await call(hosted, admin, { method: 'GET', url: '/api/knowledge-base/embeddings' });
    expect(started.body).toMatchObject({ activeModel: 'local-use-lite-512', configuredModel: OPENAI_MODEL_ID, buildingModel: OPENAI_MODEL_ID });

    // The re-embedding job has counted the chunks and asked for its first batch, which waits.
    await existingChunks.arrived();
    const inProgress = await call(hosted, admin, { method: 'GET', url: '/api/knowledge-base/embeddings' });
    expect(inProgress.body).toMatchObject({ activeModel: 'local-use-lite-512', buildingModel: OPENAI_MODEL_ID, progress: 0 });
    expect(inProgress.body.total).toBeGreaterThanOrEqual(ARTICLES.length);

    // While the new vectors are being made, search answers from the old ones.
    const during = await search(hosted, 'how long does shipping take');
    expect(during.body).toMatchObject({ mode: 'hybrid', model: 'local-use-lite-512' });
    expect(during.body.results[0].title).toBe('Delivery times');

    // An article written meanwhile gets vectors of both models, so the switch leaves it searchable.
    const late = await call(hosted, admin, { method: 'POST', url: '/api/knowledge-base/articles', payload: LATE });
    expect(late.status).toBe(201);
    // Its own kb-embed job is done before the move may finish (so that job's view of the models
    // cannot straddle the switch: see the report on embedding-index.ts).
    await embedJobsFinished(hosted);
    const stillMoving = await call(hosted, admin, { method: 'GET', url: '/api/knowledge-base/embeddings' });
    expect(stillMoving.body).toMatchObject({ activeModel: 'local-use-lite-512', buildingModel: OPENAI_MODEL_ID });
    expect((await search(hosted, 'Helsinki store opening hours')).body).toMatchObject({ model: 'local-use-lite-512' });

    existingChunks.release();
    const done = await eventually('the switch to the new model, every article ready', async () => {
      const status = await call(hosted!, admin, { method: 'GET', url: '/api/knowledge-base/embeddings' });
      return status.body.activeModel === OPENAI_MODEL_ID && status.body.articles.pending === 0 ? status.body : undefined;
    });
    expect(done).toMatchObject({ buildingModel: null, articles: { pending: 0, ready: 5, failed: 0 } });
    expect(done.progress).toBe(done.total);
    expect(done.total).toBeGreaterThanOrEqual(5);

    // The old vectors are gone, every chunk has a new one, and the SDK asked for 64 dimensions.
    const counts = await modelCounts();
    expect(counts).toEqual([{ model: OPENAI_MODEL_ID, n: done.total }]);
    const embeddingRequests = server.requests.filter((request) => request.path.endsWith('/embeddings'));
    expect(embeddingRequests[0]!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 64 });
    expect(embeddingRequests[0]!.headers.authorization).toBe('Bearer test-key');
  }, 120_000);

  it('searches the new vectors after the switch, through their own HNSW index', async () => {
    const found = await search(hosted!, 'Helsinki store opening hours');
    expect(found.body).toMatchObject({ mode: 'hybrid', model: OPENAI_MODEL_ID });
    expect(found.body.results[0].title).toBe('Store opening hours');
    const indexes = await queryRows<{ indexname: string; indexdef: string }>(
      testDb.database.db,
      sql`select indexname, indexdef from pg_indexes where tablename = 'knowledge_base_embeddings' and indexdef ilike '%hnsw%' order by indexname`,
    );
    const hnsw = indexes.find((index) => index.indexdef.includes(OPENAI_MODEL_ID));
    expect(hnsw?.indexdef).toMatch(/vector\(64\)\) vector_cosine_ops/);
  });
});

describe.each(await databaseKinds())('search of a large account through HNSW on %s', (kind) => {
  let testDb: TestDatabase;
  let exact: FastifyInstance;
  let viaIndex: FastifyInstance;
  let admin: Session;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    exact = await buildTestApp(testDb.database);
    // Every account counts as large: its vectors are searched through the HNSW index.
    viaIndex = await buildTestApp(testDb.database, { KB_EXACT_SEARCH_MAX_VECTORS: '0' });
    admin = await registerAccount(exact, 'Large account');
    for (const article of ARTICLES) await call(exact, admin, { method: 'POST', url: '/api/knowledge-base/articles', payload: article });
  }, 120_000);
  afterAll(async () => {
    await viaIndex?.close();
    await exact?.close();
    await testDb?.drop();
  });

  it.each(['I forgot my password', 'how do I wash the tent', 'can I use two gift cards at once'])('finds for "%s" what exact search finds', async (q) => {
    const url = `/api/knowledge-base/search?q=${encodeURIComponent(q)}`;
    const [a, b] = await Promise.all([call(exact, admin, { method: 'GET', url }), call(viaIndex, admin, { method: 'GET', url })]);
    expect(a.body.strategy).toBe('exact');
    expect(b.body.strategy).toBe('hnsw');
    expect(b.body.results.map((r: { title: string }) => r.title)).toEqual(a.body.results.map((r: { title: string }) => r.title));
  });
});
