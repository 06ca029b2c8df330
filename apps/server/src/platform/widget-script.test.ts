import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { errorHandler } from './errors.js';
import securityHeaders from './security-headers.js';
import { widgetScriptRoutes } from './widget-script.js';

/** The app's own order: the security headers first, then the route. */
async function serve(file: string) {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  await app.register(securityHeaders, {});
  await app.register(widgetScriptRoutes, { file });
  return app;
}

describe('the widget script served at /widget.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hummdesk-widget-'));
  const file = join(dir, 'widget.js');
  const source = `(function(){${'console.log("HummDesk");'.repeat(200)}})();`;
  writeFileSync(file, source);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the built script to other websites as JavaScript, compressed when asked, cached and revalidated', async () => {
    const app = await serve(file);
    const plain = await app.inject({ method: 'GET', url: '/widget.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe(source);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Helmet's same-origin default is replaced: another origin's <script> may load it.
    expect(plain.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(plain.headers['cache-control']).toBe('public, max-age=3600');
    expect(plain.headers['content-encoding']).toBeUndefined();

    const gzipped = await app.inject({ method: 'GET', url: '/widget.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toContain('accept-encoding');
    expect(gzipped.rawPayload.length).toBeLessThan(source.length / 10);
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(source);

    const again = await app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    await app.close();
  });

  it('answers a JSON 404 saying the widget is not built when there is no build', async () => {
    const app = await serve(join(dir, 'missing.js'));
    const answer = await app.inject({ method: 'GET', url: '/widget.js' });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toMatchObject({ error: { code: 'widget_not_built' } });
    await app.close();
  });
});
