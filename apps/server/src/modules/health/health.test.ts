import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { openDatabase, type Database } from '../../db/client.js';
import { anthropicServer, openAiServer, type Reply, type WireServer } from '../../test-support/ai-wire-servers.js';
import { buildTestApp, call, createTestApp, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { bearer, eventually, expectError } from '../../test-support/checks.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../test-support/databases.js';
import { ADMIN_URL } from '../../test-support/postgres-admin.js';

describe.each(await databaseKinds())('operations endpoints on %s', (kind) => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp(kind, { HUMMDESK_INSTANCE: `health-test-${kind}` });
    admin = await registerAccount(t.app, 'Health Check Inc');
  });
  afterAll(() => t?.close());

  it('reports healthy with the database check', async () => {
    const health = await call(t.app, undefined, { method: 'GET', url: '/health' });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'healthy',
      serverInstance: `health-test-${kind}`,
      checks: {
        database: { status: 'ok', latency: expect.stringMatching(/^\d+ms$/) },
        redis: { status: 'not_configured' },
        // Its first probe has just started (the ai check has a describe of its own, below).
        ai: { provider: 'local', status: 'degraded', checkedAt: null },
      },
    });
    expect(Number.isNaN(Date.parse(health.body.timestamp))).toBe(false);
    expect(Math.abs(Date.parse(health.body.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(Number.isInteger(health.body.uptime)).toBe(true);
    expect(health.body.uptime).toBeGreaterThanOrEqual(0);
  });

  it('names a non-empty server instance by default', async () => {
    const config = loadConfig({ HUMMDESK_DATA_DIR: '/tmp/hummdesk-test-unused' });
    expect(config.serverInstance).toMatch(/\S/);
    expect(config.serverInstance).toContain(String(process.pid));
  });

  it('exports Prometheus metrics labelled by route template, not raw URL', async () => {
    const opened = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Metric Mia' }, message: { content: 'Count me' } },
    });
    const id = opened.body.conversation.id;
    expect((await call(t.app, admin, { method: 'GET', url: `/api/conversations/${id}` })).status).toBe(200);
    expect((await call(t.app, admin, { method: 'GET', url: '/api/conversations/987654' })).status).toBe(404);
    await call(t.app, undefined, { method: 'GET', url: '/no/such/route/12345' });

    const metrics = await call(t.app, undefined, { method: 'GET', url: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(String(metrics.headers['content-type'])).toContain('text/plain');
    const text: string = metrics.body;
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/api\/conversations\/:id"[^}]*status="200"[^}]*\} 1/);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/api\/conversations\/:id"[^}]*status="404"[^}]*\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/conversations\/:id"/);
    expect(text).not.toContain(`/api/conversations/${id}"`);
    // No raw URL in any label (a metric's value may contain any digits, so only labels are checked).
    const labels = [...text.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]).join('\n');
    expect(labels).toContain('route="unmatched"');
    expect(labels).not.toContain('987654');
    expect(labels).not.toContain('12345');
  });

  it('serves the OpenAPI document and its UI', async () => {
    const doc = await call(t.app, undefined, { method: 'GET', url: '/docs/json' });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/api/conversations']).toHaveProperty('get');
    expect(doc.body.paths['/api/conversations']).toHaveProperty('post');
    expect(doc.body.paths['/api/conversations/{id}']).toHaveProperty('patch');
    expect(doc.body.paths['/api/auth/login']).toHaveProperty('post');
    expect(doc.body.paths['/health']).toHaveProperty('get');
    expect(doc.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.body.paths['/api/conversations'].get.security).toEqual([{ bearerAuth: [] }]);

    const ui = await call(t.app, undefined, { method: 'GET', url: '/docs/' });
    expect(ui.status).toBe(200);
    expect(String(ui.headers['content-type'])).toContain('text/html');
    expect(ui.body).toMatch(/<html/i);
  });

  it('sends security headers', async () => {
    for (const url of ['/health', '/api/conversations', '/docs/json']) {
      const response = await call(t.app, undefined, { method: 'GET', url });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-frame-options'], url).toBeDefined();
      expect(response.headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(response.headers['x-powered-by'], url).toBeUndefined();
      expect(response.headers['x-request-id'], url).toMatch(/\S/);
    }
  });

  it('keeps a plain caller-given request id and replaces an unsafe one', async () => {
    const kept = await call(t.app, undefined, { method: 'GET', url: '/api/nope', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(kept.headers['x-request-id']).toBe('trace-abc.123');
    expect(kept.body.error.requestId).toBe('trace-abc.123');
    const replaced = await call(t.app, undefined, { method: 'GET', url: '/api/nope', headers: { 'x-request-id': 'bad id\r\n<script>' } });
    expect(replaced.headers['x-request-id']).not.toContain('script');
    expect(replaced.body.error.requestId).toBe(replaced.headers['x-request-id']);
  });
});

const GOOD = { category: 'billing', priority: 'high', sentiment: 'frustrated', language: 'en', confidence: 0.96, reasoning: 'Duplicate charge: billing.' };

describe('the ai check', () => {
  let db: TestDatabase;
  const apps: FastifyInstance[] = [];
  const servers: WireServer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
  });
  // Each test's apps (and their local models) go when it ends.
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(() => db?.drop());

  async function openApp(env: Record<string, string> = {}) {
    const app = await buildTestApp(db.database, env);
    apps.push(app);
    return app;
  }
  const health = async (app: FastifyInstance) => {
    const answer = await call(app, undefined, { method: 'GET', url: '/health' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  /** /health once its ai check has a probe's result. */
  const probed = (app: FastifyInstance) =>
    eventually('a probe of the AI', async () => {
      const body = await health(app);
      return body.checks.ai.checkedAt ? body : undefined;
    });

  it('local: reports the model loaded and the latency of an embedding, from a probe cached and refreshed in the background', async () => {
    const app = await openApp();
    expect((await health(app)).checks.ai).toEqual({
      status: 'degraded',
      provider: 'local',
      model: 'local-use-lite-512',
      latencyMs: null,
      checkedAt: null,
      fallingBack: false,
      localModelLoaded: false,
      error: 'loading the local model',
    });

    const loaded = (await probed(app)).checks.ai;
    expect(loaded).toMatchObject({ status: 'ok', provider: 'local', fallingBack: false, localModelLoaded: true });
    expect(loaded.error).toBeUndefined();
    expect(loaded.latencyMs).toBeGreaterThanOrEqual(0);
    expect(loaded.latencyMs).toBeLessThan(5_000);
    expect(Math.abs(Date.parse(loaded.checkedAt) - Date.now())).toBeLessThan(60_000);

    // Refreshed in the background (a few seconds later), never while /health waits...
    const refreshed = await eventually('a second probe', async () => {
      const ai = (await health(app)).checks.ai;
      return ai.checkedAt !== loaded.checkedAt ? ai : undefined;
    });
    expect(refreshed).toMatchObject({ status: 'ok', localModelLoaded: true });
    expect(Date.parse(refreshed.checkedAt)).toBeGreaterThan(Date.parse(loaded.checkedAt));
    // ...and cached in between: a burst of /health right after a probe answers from that probe.
    const burst = await Promise.all(Array.from({ length: 30 }, () => health(app)));
    expect(new Set(burst.map((body) => body.checks.ai.checkedAt))).toEqual(new Set([refreshed.checkedAt]));
  }, 180_000);

  describe.each([
    // A timeout a loaded machine does not reach by accident (no case here waits for one).
    [
      'anthropic',
      anthropicServer,
      (url: string) => ({ AI_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: url, AI_TIMEOUT_MS: '5000' }),
      '/v1/models/claude-sonnet-5-5',
    ],
    [
      'openai',
      openAiServer,
      (url: string) => ({ AI_PROVIDER: 'openai', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: `${url}/v1`, AI_TIMEOUT_MS: '5000' }),
      '/v1/models',
    ],
  ] as const)('%s', (provider, startServer, env, probePath) => {
    async function server(reply: WireServer['reply']) {
      const wire = await startServer();
      servers.push(wire);
      wire.reply = reply;
      return wire;
    }
    const probes = (wire: WireServer) => wire.requests.filter((request) => request.path === probePath);
    // The wire servers answer any request with the reply set; a GET (no body) is the probe.
    const probesOk = (then: Reply) => (body: unknown) => (body === undefined ? { status: 200 } : then);

    it('reports ok from one free call a minute however often /health is asked, and says when it falls back', async () => {
      const wire = await server(probesOk({ tool: GOOD }));
      const app = await openApp(env(wire.url));
      expect((await health(app)).checks.ai).toMatchObject({ status: 'degraded', provider, checkedAt: null, error: 'not checked yet' });
      const ok = (await probed(app)).checks.ai;
      expect(ok).toMatchObject({ status: 'ok', provider, fallingBack: false, localModelLoaded: false });
      expect(ok.model).toBe(provider === 'anthropic' ? 'claude-sonnet-5-5' : 'gpt-4o-mini');
      expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
      expect(ok.error).toBeUndefined();

      for (let i = 0; i < 50; i++) expect((await health(app)).checks.ai.status).toBe('ok');
      await Promise.all(Array.from({ length: 50 }, () => health(app)));
      expect(probes(wire)).toHaveLength(1);
      // Never a paid call: the probe is all the server has seen.
      expect(wire.requests).toHaveLength(1);
      expect(wire.requests[0]!.headers['x-api-key'] ?? wire.requests[0]!.headers.authorization).toMatch(/^(Bearer )?test-key$/);

      // A call that fails is answered by the local model: the check says so until one succeeds.
      const admin = await registerAccount(app, `Health ${provider}`);
      const classify = () => call(app, admin, { method: 'POST', url: '/api/ai/classify', payload: { text: 'I was charged twice for order #12345' } });
      wire.reply = probesOk({ status: 500 });
      expect((await classify()).body.classification.provider).toBe('local');
      const fallingBack = (await health(app)).checks.ai;
      expect(fallingBack).toMatchObject({ status: 'degraded', fallingBack: true, localModelLoaded: true });
      expect(fallingBack.error).toMatch(/^the local model has answered instead since \S+: 500/);
      expect((await health(app)).status).toBe('healthy');

      wire.reply = probesOk({ tool: GOOD });
      expect((await classify()).body.classification.provider).toBe(provider);
      expect((await health(app)).checks.ai).toMatchObject({ status: 'ok', fallingBack: false });
      expect(probes(wire)).toHaveLength(1);
    }, 180_000);

    it.each([
      [500, 'degraded', 'healthy'],
      [429, 'degraded', 'healthy'],
      [401, 'down', 'degraded'],
    ] as const)('reports a provider answering %s as %s (/health %s, 200)', async (status, aiStatus, overall) => {
      const wire = await server({ status });
      const app = await openApp(env(wire.url));
      const body = await probed(app);
      expect(body.status).toBe(overall);
      expect(body.checks.ai).toMatchObject({ status: aiStatus, provider, latencyMs: null, fallingBack: false });
      expect(body.checks.ai.error).toMatch(new RegExp(`^${provider}: ${status}`));
      for (let i = 0; i < 20; i++) await health(app);
      // One attempt (no SDK retry), and no second probe within the minute.
      expect(probes(wire)).toHaveLength(1);
    });

    it('reports a provider that cannot be reached as down (/health degraded, 200)', async () => {
      const closed = await startServer();
      await closed.close();
      const app = await openApp(env(closed.url));
      const body = await probed(app);
      expect(body.status).toBe('degraded');
      expect(body.checks.ai).toMatchObject({ status: 'down', provider, latencyMs: null, fallingBack: false });
      expect(body.checks.ai.error).toMatch(new RegExp(`^${provider}: .*connection`, 'i'));
    });
  });
});

describe('a database that is down', () => {
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', poolMax: 2 });
    const config = loadConfig({ HUMMDESK_DATA_DIR: '/tmp/hummdesk-test-unused', HUMMDESK_INSTANCE: 'outage-test' });
    app = await buildApp({ config, database, jwtSecret: TEST_JWT_SECRET, logger: pino({ level: 'silent' }) });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('reports unhealthy with 503', async () => {
    const health = await call(app, undefined, { method: 'GET', url: '/health' });
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      status: 'unhealthy',
      serverInstance: 'outage-test',
      checks: { database: { status: 'error', latency: expect.stringMatching(/^\d+ms$/) } },
    });
    expect(JSON.stringify(health.body)).not.toMatch(/\n\s+at /);
  });

  it('answers API calls with 503 service_unavailable and keeps serving', async () => {
    const token = app.jwt.sign({ sub: '1', acc: 1, sid: '00000000-0000-4000-8000-000000000000' });
    for (let i = 0; i < 3; i++) {
      const list = await call(app, undefined, { method: 'GET', url: '/api/conversations', headers: bearer(token) });
      expectError(list, 503, 'service_unavailable');
      const login = await call(app, undefined, {
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'someone@example.com', password: 'whatever123' },
      });
      expectError(login, 503, 'service_unavailable');
    }
    // Routes that need no database still work.
    expect((await call(app, undefined, { method: 'GET', url: '/metrics' })).status).toBe(200);
    expectError(await call(app, undefined, { method: 'GET', url: '/api/conversations' }), 401, 'unauthorized');
  });
});

describe.runIf((await databaseKinds()).includes('postgres'))('Postgres connections killed under the app', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp('postgres');
    admin = await registerAccount(t.app, 'Terminated Connections');
  });
  afterAll(() => t?.close());

  async function terminateBackends(): Promise<number> {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      const database = new URL(t.url!).pathname.slice(1);
      const result = await client.query('select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [
        database,
      ]);
      return result.rows.filter((row) => row.killed).length;
    } finally {
      await client.end();
    }
  }

  it('recovers on the next requests instead of crashing', async () => {
    // Several requests at once, so the pool holds more than one connection.
    const warm = await Promise.all(Array.from({ length: 4 }, () => call(t.app, admin, { method: 'GET', url: '/api/conversations' })));
    expect(warm.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await terminateBackends()).toBeGreaterThan(0);

    // A request may meet a connection that died a moment ago: then a clean 503, never a 500.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await call(t.app, admin, { method: 'GET', url: '/api/conversations' });
      statuses.push(response.status);
      if (response.status !== 200) expectError(response, 503, 'service_unavailable');
    }
    expect(statuses.slice(-5)).toEqual([200, 200, 200, 200, 200]);
    const health = await call(t.app, undefined, { method: 'GET', url: '/health' });
    expect(health.status).toBe(200);
    expect(health.body.checks.database.status).toBe('ok');
    const write = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'After outage' }, message: { content: 'Back again' } },
    });
    expect(write.status).toBe(201);
  });

  it('recovers when connections die while idle in the pool', async () => {
    expect((await call(t.app, admin, { method: 'GET', url: '/health' })).status).toBe(200);
    expect(await terminateBackends()).toBeGreaterThan(0);
    // Once the pool has noticed its idle clients died (they report it, and are dropped).
    const pool = (t.database.db as unknown as { $client: pg.Pool }).$client;
    await eventually('the pool to drop its dead idle clients', async () => (pool.idleCount === 0 ? true : undefined), { intervalMs: 20, timeoutMs: 60_000 });
    const health = await call(t.app, undefined, { method: 'GET', url: '/health' });
    expect(health.status).toBe(200);
    const list = await call(t.app, admin, { method: 'GET', url: '/api/conversations' });
    expect(list.status).toBe(200);
  });
});
