/**
 * Serves the built agent web app (apps/web/dist) from the API's own origin: its files, and
 * index.html for any other GET that is not an API path, so the app's own routes
 * (/conversations/12) load on a reload. Without a build (API-only install), nothing is served.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundHandler } from './errors.js';

const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));
/** Paths that belong to the server: a miss there is a JSON 404, never the app's page. */
const SERVER_PATHS = /^\/(api|docs|socket\.io|ws|metrics|health|internal)(\/|$|\?)/;

export async function serveWebApp(app: FastifyInstance, root = WEB_DIST) {
  const built = existsSync(`${root}/index.html`);
  if (built) await app.register(fastifyStatic, { root, wildcard: false, index: false, maxAge: '1h', immutable: false });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (built && request.method === 'GET' && !SERVER_PATHS.test(request.url)) {
      // The page itself is never cached: a new deployment's asset names reach browsers at once.
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
    }
    return notFoundHandler(request, reply);
  });
  return built;
}
