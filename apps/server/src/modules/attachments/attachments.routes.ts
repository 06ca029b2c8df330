import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { outsideAppCors } from '../../platform/public-cors.js';
import { ErrorResponse } from '../../platform/schemas.js';
import { AttachmentParams, SignedQuery } from './attachments.schema.js';
import type { AttachmentService } from './attachments.service.js';

/** `filename*` (RFC 6266 / 8187) for any name, with a plain ASCII `filename` for old clients. */
function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'text/calendar', 'text/vcard']);

export const attachmentRoutes: FastifyPluginAsyncTypebox<{ attachments: AttachmentService }> = async (app, { attachments }) => {
  // Links are opened from the widget on a company's site too: the app's CORS_ORIGIN is not theirs.
  outsideAppCors(app);
  app.get(
    '/limits',
    {
      schema: {
        tags: ['attachments'],
        summary: 'What one message may carry (no token, any origin): composers check files before sending them',
        response: {
          200: Type.Object({
            maxBytes: Type.Integer({ description: 'Largest file, in bytes (ATTACHMENT_MAX_BYTES)' }),
            maxFiles: Type.Integer({ description: 'Most files in one message' }),
          }),
        },
      },
    },
    // Public settings: the agent app's composer checks files against them; any site's composer may too.
    async (_request, reply) => reply.header('access-control-allow-origin', '*').send(attachments.limits),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: ['attachments'],
        summary: "A message's attachment, by the signed link the message carries (no token)",
        description:
          'The signature is the permission: a changed link answers 403, an expired one 410 (list the messages again for a fresh link). ' +
          'Raster images (PNG, JPEG, GIF, WebP) are served inline, everything else as a download; always with `nosniff` and a sandboxing CSP.',
        params: AttachmentParams,
        querystring: SignedQuery,
        response: {
          200: { description: 'The file', content: { 'application/octet-stream': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) } } },
          400: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          410: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const file = await attachments.open(request.params.id, request.query);
      return reply
        .type(TEXT_TYPES.has(file.contentType) ? `${file.contentType}; charset=utf-8` : file.contentType)
        .headers({
          'content-length': file.size,
          'content-disposition': contentDisposition(file.inline ? 'inline' : 'attachment', file.fileName),
          'x-content-type-options': 'nosniff',
          // Opened directly, a file runs nothing and reaches nothing of this origin.
          'content-security-policy': 'sandbox',
          // The widget shows images on the company's own site, another origin.
          'cross-origin-resource-policy': 'cross-origin',
          'cache-control': `private, max-age=${file.secondsLeft}`,
        })
        .send(file.body);
    },
  );
};
