import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
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
import { connectTestRedis, privateRedis, redisAvailable, uniquePrefix } from '../../test-support/redis.js';

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
        database: { status: 'ok', latency: expect.stringMatching(/^\d+ms$/), provider: kind, ageMs: expect.any(Number) },
        redis: { status: 'not_configured' },
        // Its first probe has just started (the ai check has a describe of its own, below).
        ai: { provider: 'local', status: 'degraded', checkedAt: null },
      },
    });
    expect(Number.isNaN(Date.parse(health.body.timestamp))).toBe(false);
    expect(Math.abs(Date.parse(health.body.timestamp) - Date.now())).toBeLessThan(60_000);
    expect(Number.isInteger(health.body.uptime)).toBe(true);
    expect(health.body.uptime).toBeGreaterThanOrEqual(0);
    // The latest background check's, which ended before this answer.
    const { checkedAt, ageMs } = health.body.checks.database;
    expect(Date.parse(checkedAt)).toBeLessThanOrEqual(Date.parse(health.body.timestamp));
    expect(ageMs).toBe(Date.parse(health.body.timestamp) - Date.parse(checkedAt));
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
    for (const url of ['/health', '/health/live', '/health/ready']) await call(t.app, undefined, { method: 'GET', url });

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
    // Probes are machines' traffic: not counted among the requests people make.
    expect(labels).not.toMatch(/route="\/health/);
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

  it('sends security headers, and a probe nosniff alone', async () => {
    for (const url of ['/api/conversations', '/docs/json', '/docs/']) {
      const response = await call(t.app, undefined, { method: 'GET', url });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-frame-options'], url).toBeDefined();
      expect(response.headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(response.headers['x-powered-by'], url).toBeUndefined();
      expect(response.headers['x-request-id'], url).toMatch(/\S/);
    }
    for (const url of ['/health', '/health/live', '/health/ready']) {
      const response = await call(t.app, undefined, { method: 'GET', url });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(String(response.headers['content-type']), url).toContain('application/json');
      expect(response.headers['content-security-policy'], url).toBeUndefined();
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
    // A failed request made the background check run at once; should it have met a dead
    // connection too, it runs again every second until it passes.
    await databaseCheckPasses(t.app);
    const write = await call(t.app, admin, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'After outage' }, message: { content: 'Back again' } },
    });
    expect(write.status).toBe(201);
  });

  it('recovers when connections die while idle in the pool', async () => {
    await databaseCheckPasses(t.app);
    expect(await terminateBackends()).toBeGreaterThan(0);
    // Once the pool has noticed its idle clients died (they report it, and are dropped).
    const pool = (t.database.db as unknown as { $client: pg.Pool }).$client;
    await eventually('the pool to drop its dead idle clients', async () => (pool.idleCount === 0 ? true : undefined), { intervalMs: 20, timeoutMs: 60_000 });
    await databaseCheckPasses(t.app);
    const list = await call(t.app, admin, { method: 'GET', url: '/api/conversations' });
    expect(list.status).toBe(200);
  });
});

/** /health, once its background database check passes. */
const databaseCheckPasses = (app: FastifyInstance) =>
  eventually('the database check to pass', async () => {
    const health = await call(app, undefined, { method: 'GET', url: '/health' });
    return health.status === 200 && health.body.checks.database.status === 'ok' ? health : undefined;
  });

/** The longest interval allowed, which no test reaches: a check seen then is one the app ran for another reason. */
const TEN_MINUTES_MS = '600000';
const get = (app: FastifyInstance, url: string) => call(app, undefined, { method: 'GET', url });

describe.each(await databaseKinds())('the background checks on %s', (kind) => {
  let db: TestDatabase;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(() => db?.drop());

  /** An app on the test database that counts its database pings. */
  async function openApp(intervalMs: string) {
    const pings = { count: 0 };
    const database: Database = {
      ...db.database,
      ping: async () => {
        pings.count++;
        await db.database.ping();
      },
    };
    const app = await buildTestApp(database, { HEALTH_CHECK_INTERVAL_MS: intervalMs });
    apps.push(app);
    return { app, pings };
  }

  it('answers /health, /health/live and /health/ready from the latest check, never asking the database', async () => {
    const { app, pings } = await openApp(TEN_MINUTES_MS);
    // The start-up check, done before the app was ready.
    expect(pings.count).toBe(1);
    const health = await get(app, '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'healthy', checks: { database: { status: 'ok' } } });
    expect(await get(app, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get(app, '/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });

    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => get(app, ['/health', '/health/live', '/health/ready'][i % 3]!)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(200));
    expect(pings.count).toBe(1);
  });

  it('tells the age of the check it answers, which grows until the next check', async () => {
    const { app } = await openApp(TEN_MINUTES_MS);
    const first = (await get(app, '/health')).body.checks.database;
    const later = await eventually('an older answer', async () => {
      const database = (await get(app, '/health')).body.checks.database;
      return database.ageMs > first.ageMs ? database : undefined;
    });
    expect(later.checkedAt).toBe(first.checkedAt);
  });

  it('checks again every HEALTH_CHECK_INTERVAL_MS, and no more once the app is closed', async () => {
    const closing = await openApp('100');
    const open = await openApp('100');
    const first = (await get(closing.app, '/health')).body.checks.database.checkedAt;
    await eventually('a newer check', async () => ((await get(closing.app, '/health')).body.checks.database.checkedAt !== first ? true : undefined));

    await closing.app.close();
    apps.splice(apps.indexOf(closing.app), 1);
    const pingsAtClose = closing.pings.count;
    // The app left open checks on the same interval: five of its checks later, the closed one would have made some.
    const from = open.pings.count;
    await eventually('five more checks of the app left open', () => (open.pings.count >= from + 5 ? true : undefined), { intervalMs: 20 });
    expect(closing.pings.count).toBe(pingsAtClose);
  });

  it('documents the three routes under operations', async () => {
    const { app } = await openApp(TEN_MINUTES_MS);
    const paths = (await get(app, '/docs/json')).body.paths;
    for (const path of ['/health', '/health/live', '/health/ready']) {
      expect(paths[path].get.tags, path).toEqual(['operations']);
      expect(paths[path].get.summary, path).toMatch(/\S/);
    }
    expect(Object.keys(paths['/health/ready'].get.responses)).toEqual(['200', '503']);
  });
});

describe.runIf((await databaseKinds()).includes('postgres'))('a database that goes away and comes back', () => {
  let testDb: TestDatabase;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let proxied: Database;
  let app: FastifyInstance;
  let admin: Session;
  const pings = { count: 0 };
  /** While set, a check waits for it before pinging: the test holds a check running. */
  let checkGate: Promise<void> | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    const target = new URL(testDb.url!);
    proxy = await tcpProxy(target.hostname, Number(target.port || 5432));
    proxied = await openDatabase({ url: Object.assign(target, { hostname: '127.0.0.1', port: String(proxy.port) }).toString(), poolMax: 2 });
    const database: Database = {
      ...proxied,
      ping: async () => {
        pings.count++;
        await checkGate;
        await proxied.ping();
      },
    };
    // Every ten minutes: every check seen below is one a failed request or a failed check asked for.
    app = await buildTestApp(database, { HEALTH_CHECK_INTERVAL_MS: TEN_MINUTES_MS });
    admin = await registerAccount(app, 'Outage Inc');
  });
  afterAll(async () => {
    await app?.close();
    await proxied?.close();
    await proxy?.close();
    await testDb?.drop();
  });

  const list = () => call(app, admin, { method: 'GET', url: '/api/conversations' });

  it('is checked at once when a request fails for want of it, one check for a storm of failures', async () => {
    expect((await get(app, '/health')).status).toBe(200);
    expect(pings.count).toBe(1);
    let release!: () => void;
    checkGate = new Promise((resolve) => (release = resolve));
    await proxy.down();
    // Nothing has checked since: /health still tells the last check.
    expect((await get(app, '/health')).body.status).toBe('healthy');

    for (const failed of await Promise.all(Array.from({ length: 20 }, list))) expectError(failed, 503, 'service_unavailable');
    await eventually('the check the failures asked for', () => (pings.count === 2 ? true : undefined), { intervalMs: 20 });
    // It is held running: more failures meanwhile start no other check.
    for (const failed of await Promise.all(Array.from({ length: 20 }, list))) expectError(failed, 503, 'service_unavailable');
    expect(pings.count).toBe(2);

    release();
    checkGate = undefined;
    const unhealthy = await eventually('/health to say unhealthy', async () => {
      const health = await get(app, '/health');
      return health.status === 503 ? health : undefined;
    });
    expect(unhealthy.body).toMatchObject({ status: 'unhealthy', checks: { database: { status: 'error', provider: 'postgres' } } });
    expect(unhealthy.body.checks.database.error).toMatch(/\S/);
    expect(await get(app, '/health/ready')).toMatchObject({
      status: 503,
      body: { status: 'not_ready', reason: expect.stringMatching(/^the database check failed: /) },
    });
    // Alive all the same: restarting the process would not bring the database back.
    expect(await get(app, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('is seen back by the checks, which run every second while it is away', async () => {
    await proxy.up();
    const healthy = await databaseCheckPasses(app);
    expect(healthy.body.status).toBe('healthy');
    expect(await get(app, '/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await list()).status).toBe(200);
  });

  it('pings on a connection of its own, and never again while a ping hangs', async () => {
    // Every connection of the app's pool (of two) taken: the ping does not wait for one.
    const pool = (proxied.db as unknown as { $client: pg.Pool }).$client;
    const taken = await Promise.all([pool.connect(), pool.connect()]);
    await proxied.ping();
    for (const client of taken) client.release();

    // A ping that hangs (held here) past the check's timeout, then checks every second.
    let release!: () => void;
    checkGate = new Promise((resolve) => (release = resolve));
    await proxy.down();
    const from = pings.count;
    expectError(await list(), 503, 'service_unavailable');
    const first = await eventually('a check timed out', async () => {
      const database = (await get(app, '/health')).body.checks.database;
      return database.status === 'error' ? database : undefined;
    });
    await eventually('another check timed out', async () => {
      const database = (await get(app, '/health')).body.checks.database;
      return database.status === 'error' && database.checkedAt !== first.checkedAt ? true : undefined;
    });
    // Both waited on the one ping still under way.
    expect(pings.count).toBe(from + 1);

    release();
    checkGate = undefined;
    await proxy.up();
    await databaseCheckPasses(app);
    expect(pings.count).toBeGreaterThan(from + 1);
  });
});

describe.runIf(await redisAvailable())('Redis that goes away', () => {
  let db: TestDatabase;
  let redisServer: Awaited<ReturnType<typeof privateRedis>>;
  let redis: ReturnType<typeof connectTestRedis>;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    redisServer = await privateRedis();
    redis = connectTestRedis(redisServer.url);
    app = await buildTestApp(db.database, { HEALTH_CHECK_INTERVAL_MS: '200', HUMMDESK_REDIS_PREFIX: uniquePrefix() }, redis);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await redisServer?.stop();
    await db?.drop();
  });

  it('leaves the app ready: /health says degraded with 200', async () => {
    // Checked at start-up once its connection was open.
    expect((await get(app, '/health')).body).toMatchObject({ status: 'healthy', checks: { redis: { status: 'ok', ageMs: expect.any(Number) } } });
    await redisServer.stop();
    const degraded = await eventually('/health to say degraded', async () => {
      const health = await get(app, '/health');
      return health.body.status === 'degraded' ? health : undefined;
    });
    expect(degraded.status).toBe(200);
    expect(degraded.body.checks).toMatchObject({ database: { status: 'ok' }, redis: { status: 'error' } });
    expect(await get(app, '/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await get(app, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });

    // Back before the app closes (its queue and sockets close through Redis).
    await redisServer.start();
    await eventually('/health to say healthy again', async () => ((await get(app, '/health')).body.status === 'healthy' ? true : undefined));
  });
});

/**
 * A TCP proxy to Postgres that a test takes down (connections refused, open ones cut) and brings
 * back on the same port: the database going away and coming back, as the app sees it.
 */
async function tcpProxy(host: string, port: number) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(socket);
      socket.on('error', () => undefined); // the other end's close follows
      socket.on('close', () => {
        sockets.delete(socket);
        other.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const down = async () => {
    if (!server.listening) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen(0);
  const proxyPort = (server.address() as AddressInfo).port;
  return { port: proxyPort, down, up: () => listen(proxyPort), close: down };
}
