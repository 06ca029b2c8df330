/**
 * The website chat widget (apps/widget, built to one script) at `/widget.js`, the address every
 * company's snippet names. Other websites load it, so it is marked for cross-origin use; it is
 * read and compressed once at start-up, revalidated by its ETag, and cached for an hour (the
 * address never changes, so a new version reaches visitors within the hour). Without a build
 * (an API-only install) the route answers a JSON 404 saying so.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from './errors.js';
import { outsideAppCors } from './public-cors.js';
import { ErrorResponse } from './schemas.js';

const WIDGET_SCRIPT = fileURLToPath(new URL('../../../widget/dist/widget.js', import.meta.url));

function load(file: string) {
  if (!existsSync(file)) return null;
  const script = readFileSync(file);
  return { script, gzipped: gzipSync(script, { level: 9 }), etag: `"${createHash('sha256').update(script).digest('base64url').slice(0, 27)}"` };
}

export const widgetScriptRoutes: FastifyPluginAsyncTypebox<{ file?: string }> = async (app, { file = WIDGET_SCRIPT }) => {
  outsideAppCors(app);
  const built = load(file);
  app.get(
    '/widget.js',
    {
      schema: {
        tags: ['widget'],
        summary: 'The website chat widget script (public); embedded as <script src="<base>/widget.js" data-inbox="<identifier>" async>',
        // The script goes out as the bytes of the build, not through a JSON serializer.
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', description: 'JavaScript' }), 304: Type.Null(), 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!built) throw new AppError(404, 'widget_not_built', 'The website widget is not built on this server (npm run build builds it)');
      reply.headers({
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        // Helmet's same-origin default would keep every other website from running it.
        'cross-origin-resource-policy': 'cross-origin',
        etag: built.etag,
        vary: 'accept-encoding',
      });
      if (request.headers['if-none-match'] === built.etag) return reply.code(304).send(null);
      if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(built.gzipped);
      return reply.send(built.script);
    },
  );
};
