import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { serveWebApp } from './web-app.js';

describe('the web app served by the API', () => {
  const root = mkdtempSync(join(tmpdir(), 'hummdesk-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>HummDesk</title>');
  writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
  const app = Fastify();
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves its page uncached for the app's own routes, its assets cached, and server paths as JSON 404s", async () => {
    expect(await serveWebApp(app, root)).toBe(true);
    const page = await app.inject({ method: 'GET', url: '/conversations/12' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>HummDesk</title>');
    // A new deployment's asset names must reach browsers at once.
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('max-age=3600');
    const api = await app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
