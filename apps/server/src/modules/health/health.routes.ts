import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Database } from '../../db/client.js';
import { PROBE_ROUTE } from '../../platform/probes.js';
import { createAiCheck, type AiCheckSource } from './ai-check.js';
import type { DependencyCheck, HealthMonitor } from './health-monitor.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('not_configured')]),
  latency: Type.Optional(Type.String({ description: 'How long the last check took, e.g. "3ms"' })),
  provider: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  checkedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the last check ended (checks run in the background)' })),
  ageMs: Type.Optional(Type.Integer({ description: 'How long ago the last check ended' })),
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
    description: 'unhealthy (503): the latest database check failed. degraded: Redis or the AI is down. The AI never makes /health fail',
  }),
  timestamp: Type.String({ format: 'date-time' }),
  uptime: Type.Integer({ description: 'Seconds since this process started' }),
  serverInstance: Type.String({ description: 'Which process answered (replicas take turns behind nginx)' }),
  checks: Type.Object({ database: Check, redis: Check, ai: AiCheckSchema }),
});

const Live = Type.Object({ status: Type.Literal('ok') });

const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  reason: Type.Optional(Type.String({ description: 'Why not, when not ready' })),
});

/**
 * /health, and the Kubernetes probes /health/live and /health/ready. All three answer from memory:
 * the dependency checks run in the background (health-monitor.ts), which these routes start with
 * the app and stop when it closes. While the app closes, Fastify answers 503 to every request
 * (its return503OnClosing), these included: a draining replica is neither live nor ready.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<{
  monitor: HealthMonitor;
  database: Pick<Database, 'driver'>;
  serverInstance: string;
  /** What the ai check looks at: AI_PROVIDER's configuration and this process's local model. */
  ai: AiCheckSource;
}> = async (app, opts) => {
  const { monitor } = opts;
  const ai = createAiCheck(opts.ai);
  app.addHook('onReady', () => monitor.start());
  app.addHook('preClose', () => monitor.stop());

  app.get(
    '/health',
    {
      config: PROBE_ROUTE,
      schema: {
        tags: ['operations'],
        summary: 'Dependency checks, from the latest background check (with its age); 503 when unhealthy',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const { database, redis } = monitor.latest();
      const now = Date.now();
      const aiCheck = ai.current();
      // Without Redis the API still answers (only cross-replica events and shared limits wait);
      // without the AI too (a hosted model falls back to the local one; the helpdesk works without either).
      const status = database.status !== 'ok' ? 'unhealthy' : redis?.status === 'error' || aiCheck.status === 'down' ? 'degraded' : 'healthy';
      return reply.status(status === 'unhealthy' ? 503 : 200).send({
        status,
        timestamp: new Date(now).toISOString(),
        uptime: Math.round(process.uptime()),
        serverInstance: opts.serverInstance,
        checks: {
          database: withAge(database, now, opts.database.driver),
          redis: redis ? withAge(redis, now) : { status: 'not_configured' as const },
          ai: aiCheck,
        },
      });
    },
  );

  app.get(
    '/health/live',
    {
      config: PROBE_ROUTE,
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up and its event loop answers (503 only while it shuts down)',
        response: { 200: Live },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: PROBE_ROUTE,
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 when the latest database check passed; 503 otherwise, or while shutting down. Redis and the AI being down leave it ready',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const { database } = monitor.latest();
      if (database.status === 'ok') return { status: 'ready' as const };
      return reply.status(503).send({ status: 'not_ready', reason: `the database check failed: ${database.error}` });
    },
  );
};

/** A check as /health tells it, built in one go (a busy /health builds two a request). */
function withAge(check: DependencyCheck, now: number, provider?: string) {
  const ageMs = check.checkedAtMs === undefined ? undefined : now - check.checkedAtMs;
  return { status: check.status, latency: check.latency, provider, error: check.error, checkedAt: check.checkedAt, ageMs };
}
