import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { openDatabase, type Database } from '../../db/client.js';
import { call, createTestApp, registerAccount, TEST_JWT_SECRET, type Session, type TestApp } from '../../test-support/app.js';
import { bearer, expectError } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
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
        ai: { status: 'ok', provider: 'local' },
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
      const result = await client.query(
        'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      return result.rows.filter((row) => row.killed).length;
    } finally {
      await client.end();
    }
  }

  it('recovers on the next requests instead of crashing', async () => {
    // Several requests at once, so the pool holds more than one connection.
    const warm = await Promise.all(
      Array.from({ length: 4 }, () => call(t.app, admin, { method: 'GET', url: '/api/conversations' })),
    );
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
    // Give the pool a moment to notice its idle clients died.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const health = await call(t.app, undefined, { method: 'GET', url: '/health' });
    expect(health.status).toBe(200);
    const list = await call(t.app, admin, { method: 'GET', url: '/api/conversations' });
    expect(list.status).toBe(200);
  });
});
