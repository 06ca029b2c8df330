/**
 * A worker process (HUMMDESK_ROLE=worker): runs the job handlers, serves no HTTP. What the jobs
 * change is announced through Redis (Socket.IO adapter and account channels) to the sockets of
 * the API replicas, which is why a worker needs REDIS_URL.
 */
import type { Logger } from 'pino';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Database } from './db/client.js';
import type { Config } from './config.js';
import { createAiCheck } from './modules/health/ai-check.js';
import { createJobQueue } from './platform/queue/queue.js';
import { registerQueueMetrics } from './platform/queue/queue-metrics.js';
import type { RedisConnections } from './platform/redis.js';
import { createEventBus } from './realtime/event-bus.js';
import { createAccessChanges } from './realtime/access-changes.js';
import { createRealtimePublisher } from './realtime/publisher.js';
import { createServices } from './services.js';
import { resolveCredentialsKey } from './platform/kept-secrets.js';
import { jobHandlers, startWorkers } from './workers.js';

export async function runWorker(
  database: Database,
  redis: RedisConnections,
  config: Pick<
    Config,
    | 'redisPrefix'
    | 'remoteAi'
    | 'remoteEmbeddings'
    | 'draftSimilarityThreshold'
    | 'exactSearchMaxVectors'
    | 'queueConcurrency'
    | 'workerMetricsPort'
    | 'dataDir'
    | 'attachments'
    | 'outbound'
    | 'encryptionKey'
    | 'email'
  >,
  logger: Logger,
  /** The app's secret, as the API processes have it (messages the jobs present link their attachments with it). */
  secret: string,
  /** warmUpEncoder: as buildApp's (the process's start-up loads the encoder; tests do not). */
  options: { warmUpEncoder?: boolean } = {},
) {
  const { redisPrefix } = config;
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const onError = (err: unknown) => logger.error({ err }, 'background work failed');
  const events = createEventBus((err) => logger.error({ err }, 'event listener failed'));
  const queue = createJobQueue({ db: database.db, redis, redisPrefix, singleProcess: false, logger });
  const realtime = createRealtimePublisher({ bus: events, redis, redisPrefix, db: database.db, onError });
  const accessChanges = createAccessChanges({ redis, redisPrefix, onError });
  registerQueueMetrics(queue, metrics);
  const services = createServices({
    db: database.db,
    events,
    queue,
    presence: (userIds) => realtime.onlineUsers(userIds),
    accessChanges,
    config,
    secret,
    credentialsKey: await resolveCredentialsKey(config.encryptionKey, config.dataDir),
    metrics,
    onError,
  });
  startWorkers(queue, jobHandlers(services), { concurrency: config.queueConcurrency, logger });
  if (options.warmUpEncoder) services.embedder.warmUp().catch((err: unknown) => logger.warn({ err }, 'loading the sentence encoder failed'));
  // The jobs' AI runs here when scaled out: the worker's /health says how it is.
  const ai = createAiCheck({ config: { ...config, role: 'worker' }, embedder: services.embedder });
  // Workers serve no API, but their classifications and jobs are worth scraping.
  const server =
    config.workerMetricsPort === undefined
      ? undefined
      : createServer((request, response) => {
          if (request.url === '/metrics') {
            metrics.metrics().then(
              (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
              (err: unknown) => {
                logger.error({ err }, 'collecting metrics failed');
                response.writeHead(500).end();
              },
            );
          } else if (request.url === '/health') {
            response
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ status: 'healthy', role: 'worker', checks: { ai: ai.current() } }));
          } else response.writeHead(404).end();
        });
  if (server) await new Promise<void>((resolve) => server.listen(config.workerMetricsPort, resolve));
  return {
    /** The port of /metrics and /health, when served. */
    port: server ? (server.address() as AddressInfo).port : undefined,
    async close() {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await queue.close();
      await services.embedder.close();
      await realtime.close();
      await accessChanges.close();
    },
  };
}
