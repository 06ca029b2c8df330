/**
 * Helmet's security headers on every answer, computed once. @fastify/helmet builds Helmet's
 * middleware again for each request (parsing the Content-Security-Policy each time): about 20 µs
 * of CPU a request here, as much as a whole bare Fastify hello-world. The headers depend on the
 * options alone, so Helmet runs once at start-up and every answer gets the headers it set.
 * A route that hijacks its reply writes them itself (`reply.getHeaders()`), as the queue's event stream does.
 * Health probes get `nosniff` alone (platform/probes.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import { isProbe } from './probes.js';

/** The headers Helmet sets with these options (it reads nothing of the request for static options). */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  // Helmet 8 throws a bad option at once; its callback only says it is done.
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

async function securityHeaders(app: FastifyInstance, options: HelmetOptions) {
  const headers = helmetHeaders(options);
  const probeHeaders = { 'x-content-type-options': headers['x-content-type-options'] ?? 'nosniff' };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isProbe(request) ? probeHeaders : headers);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
