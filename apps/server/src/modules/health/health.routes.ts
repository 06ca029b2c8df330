import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Database } from '../../db/client.js';
import type { RedisConnections } from '../../platform/redis.js';
import { createAiCheck, type AiCheckSource } from './ai-check.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('not_configured')]),
  latency: Type.Optional(Type.String({ description: 'e.g. "3ms"' })),
  provider: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

const AiCheckSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  provider: Type.Union([Type.Literal('local'), Type.Literal('anthropic'), Type.Literal('openai')]),
  model: Type.String(),
  latencyMs: Type.Union([Type.Integer(), Type.Null()], { description: "The last successful probe's duration" }),
  checkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the last probe ended (probes are cached)' }),
  fallingBack: Type.Boolean({ description: "The hosted provider's last call failed, so the local model answered it" }),
  localModelLoaded: Type.Boolean(),
  error: Type.Optional(Type.String()),
});

const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')], {
    description: 'unhealthy (503): the database is unreachable. degraded: Redis or the AI is down. The AI never makes /health fail',
  }),
  timestamp: Type.String({ format: 'date-time' }),
  uptime: Type.Integer({ description: 'Seconds since this process started' }),
  serverInstance: Type.String({ description: 'Which process answered (replicas take turns behind nginx)' }),
  checks: Type.Object({ database: Check, redis: Check, ai: AiCheckSchema }),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{
  database: Pick<Database, 'ping' | 'driver'>;
  redis?: Pick<RedisConnections, 'ping'> | undefined;
  serverInstance: string;
  /** What the ai check looks at: AI_PROVIDER's configuration and this process's local model. */
  ai: AiCheckSource;
}> = async (app, opts) => {
  const ai = createAiCheck(opts.ai);
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
      const aiCheck = ai.current();
      // Without Redis the API still answers (only cross-replica events and shared limits wait);
      // without the AI too (a hosted model falls back to the local one; the helpdesk works without either).
      const status = database.status !== 'ok' ? 'unhealthy' : redis.status === 'error' || aiCheck.status === 'down' ? 'degraded' : 'healthy';
      return reply.status(status === 'unhealthy' ? 503 : 200).send({
        status,
        timestamp: new Date().toISOString(),
        uptime: Math.round(process.uptime()),
        serverInstance: opts.serverInstance,
        checks: {
          database: { ...database, provider: opts.database.driver },
          redis,
          ai: aiCheck,
        },
      });
    },
  );
};

const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: () => Promise<void>) {
  const started = performance.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref())]);
    return { status: 'ok' as const, latency: `${Math.round(performance.now() - started)}ms` };
  } catch (error) {
    return {
      status: 'error' as const,
      latency: `${Math.round(performance.now() - started)}ms`,
      error: (error as Error).message.slice(0, 200),
    };
  }
}
