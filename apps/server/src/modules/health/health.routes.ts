import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Database } from '../../db/client.js';
import type { RedisConnections } from '../../platform/redis.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('not_configured')]),
  latency: Type.Optional(Type.String({ description: 'e.g. "3ms"' })),
  provider: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  timestamp: Type.String({ format: 'date-time' }),
  uptime: Type.Integer({ description: 'Seconds since this process started' }),
  serverInstance: Type.String({ description: 'Which process answered (replicas take turns behind nginx)' }),
  checks: Type.Object({ database: Check, redis: Check, ai: Check }),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{
  database: Pick<Database, 'ping' | 'driver'>;
  redis?: Pick<RedisConnections, 'ping'> | undefined;
  serverInstance: string;
  aiProvider: string;
}> = async (app, opts) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness and dependency checks; 503 when unhealthy',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const [database, redis] = await Promise.all([
        timed(() => opts.database.ping()),
        opts.redis ? timed(() => opts.redis!.ping()) : { status: 'not_configured' as const },
      ]);
      // Without Redis the API still answers (only cross-replica events and shared limits wait).
      const status = database.status !== 'ok' ? 'unhealthy' : redis.status === 'error' ? 'degraded' : 'healthy';
      return reply.status(status === 'unhealthy' ? 503 : 200).send({
        status,
        timestamp: new Date().toISOString(),
        uptime: Math.round(process.uptime()),
        serverInstance: opts.serverInstance,
        checks: {
          database: { ...database, provider: opts.database.driver },
          redis,
          // The local model ships with the install; a hosted provider falls back to it when it fails.
          ai: { status: 'ok', provider: opts.aiProvider },
        },
      });
    },
  );
};

const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: () => Promise<void>) {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { status: 'ok' as const, latency: `${Math.round(performance.now() - started)}ms` };
  } catch (error) {
    return {
      status: 'error' as const,
      latency: `${Math.round(performance.now() - started)}ms`,
      error: (error as Error).message.slice(0, 200),
    };
  }
}
