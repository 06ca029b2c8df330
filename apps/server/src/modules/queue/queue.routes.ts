import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, desc, eq } from 'drizzle-orm';
import Type from 'typebox';
import type { AppDb } from '../../db/client.js';
import { jobs } from '../../db/schema.js';
import { UnauthorizedError } from '../../platform/errors.js';
import { verifyMonitorCredential } from '../../platform/queue/monitor-auth.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { NullableTimestamp, Timestamp, errorResponses } from '../../platform/schemas.js';
import { withTenant } from '../../platform/tenancy.js';

const JobState = Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('completed'), Type.Literal('failed')]);
const JobRecord = Type.Object({
  id: Type.Integer(),
  queue: Type.String(),
  key: Type.String(),
  state: JobState,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  runAt: Timestamp,
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  finishedAt: NullableTimestamp,
});

export const queueRoutes: FastifyPluginAsyncTypebox<{ db: AppDb; queue: JobQueue; jwtSecret: string }> = async (app, opts) => {
  app.get(
    '/api/queue/jobs',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['queue'],
        summary: "The account's background jobs, newest first (administrators)",
        security: [{ bearerAuth: [] }],
        querystring: Type.Object({ state: Type.Optional(JobState), limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
        response: { 200: Type.Object({ data: Type.Array(JobRecord) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: await withTenant(opts.db, request.auth, (tx) =>
        tx
          .select({
            id: jobs.id,
            queue: jobs.queue,
            key: jobs.key,
            state: jobs.state,
            attempts: jobs.attempts,
            maxAttempts: jobs.maxAttempts,
            runAt: jobs.runAt,
            lastError: jobs.lastError,
            createdAt: jobs.createdAt,
            finishedAt: jobs.finishedAt,
          })
          .from(jobs)
          .where(and(eq(jobs.accountId, request.auth.accountId), request.query.state ? eq(jobs.state, request.query.state) : undefined))
          .orderBy(desc(jobs.createdAt), desc(jobs.id))
          .limit(request.query.limit),
      ),
    }),
  );

  const streams = new Set<() => void>();
  // Open streams would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  // The live event stream `npm run queue:monitor` reads (Server-Sent Events), for the operator.
  app.get('/internal/queue/events', { schema: { hide: true } }, async (request, reply) => {
    if (!verifyMonitorCredential(opts.jwtSecret, request.headers['x-queue-monitor'] as string | undefined)) {
      throw new UnauthorizedError('A queue monitor credential is required');
    }
    reply.hijack();
    // Fastify sends no headers of a hijacked reply: the ones hooks set (security headers, CORS) go along here.
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write(`event: hello\ndata: ${JSON.stringify({ backend: opts.queue.backend })}\n\n`);
    const stop = opts.queue.onEvent((event) => reply.raw.write(`data: ${JSON.stringify(event)}\n\n`));
    const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
    const end = () => {
      stop();
      clearInterval(keepAlive);
      streams.delete(end);
      reply.raw.end();
    };
    streams.add(end);
    request.raw.on('close', end);
  });
};
