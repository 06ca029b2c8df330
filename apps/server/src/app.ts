/**
 * buildApp: the HTTP server with its plugins in order, the services of the composition root
 * (services.ts) and the routes that serve them.
 * Nothing here reads the environment (that is config.ts) or opens connections (main.ts).
 */
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { accessTokenRoutes } from './modules/access-tokens/access-tokens.routes.js';
import { accountRoutes } from './modules/accounts/accounts.routes.js';
import { aiRoutes } from './modules/ai/ai.routes.js';
import { agentRoutes } from './modules/agents/agents.routes.js';
import { attachmentRoutes } from './modules/attachments/attachments.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { createAuthService } from './modules/auth/auth.service.js';
import { contactRoutes } from './modules/contacts/contacts.routes.js';
import { conversationRoutes } from './modules/conversations/conversations.routes.js';
import { messageDeliveryRoutes } from './modules/conversations/deliveries.routes.js';
import { demoRoutes } from './modules/demo/demo.routes.js';
import { inboundWebhookRoutes } from './modules/email/inbound-webhook.routes.js';
import { emailRoutes } from './modules/email/email.routes.js';
import { startSmtpListener } from './modules/email/smtp-listener.js';
import { createHealthMonitor } from './modules/health/health-monitor.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { knowledgeBaseRoutes } from './modules/knowledge-base/knowledge-base.routes.js';
import { inboxRoutes } from './modules/inboxes/inboxes.routes.js';
import { labelRoutes } from './modules/labels/labels.routes.js';
import { publicApiRoutes } from './modules/public-api/public-api.routes.js';
import { createPublicApiService } from './modules/public-api/public-api.service.js';
import { queueRoutes } from './modules/queue/queue.routes.js';
import { reportRoutes } from './modules/reports/reports.routes.js';
import { createMessageSearch } from './modules/search/message-search.js';
import { searchRoutes } from './modules/search/search.routes.js';
import { teamRoutes } from './modules/teams/teams.routes.js';
import { callbackRoutes } from './modules/webhooks/callbacks.routes.js';
import { webhookRoutes } from './modules/webhooks/webhooks.routes.js';
import authPlugin from './platform/auth.js';
import { createContactTokens } from './platform/contact-tokens.js';
import { AppError, createErrorHandler } from './platform/errors.js';
import { useJsonBodies } from './platform/json-body.js';
import securityHeaders from './platform/security-headers.js';
import { serveWebApp } from './platform/web-app.js';
import { widgetScriptRoutes } from './platform/widget-script.js';
import metricsPlugin from './platform/metrics.js';
import type { RedisConnections } from './platform/redis.js';
import { responseSerializerCompiler } from './platform/response-serializer.js';
import { createValidatorCompiler } from './platform/validation.js';
import { createJobQueue, type JobQueue } from './platform/queue/queue.js';
import { registerQueueMetrics } from './platform/queue/queue-metrics.js';
import { createAccessChanges } from './realtime/access-changes.js';
import { contactsNamespace } from './realtime/contact-delivery.js';
import { attachContactRealtime } from './realtime/contact-realtime.js';
import { createContactSockets } from './realtime/contact-sockets.js';
import { createEventBus } from './realtime/event-bus.js';
import { attachRealtime } from './realtime/socket-server.js';
import { resolveCredentialsKey } from './platform/kept-secrets.js';
import { createServices } from './services.js';
import { jobHandlers, startWorkers } from './workers.js';

export interface AppDependencies {
  config: Config;
  database: Database;
  jwtSecret: string;
  /** Redis, when REDIS_URL is set: Socket.IO adapter, BullMQ and shared rate limits. */
  redis?: RedisConnections | undefined;
  /** Whether this process also runs the job handlers (HUMMDESK_ROLE=all). */
  runWorkers?: boolean;
  /**
   * Whether to load the sentence encoder now (a server's start-up) rather than at the first
   * customer message, whose triage would wait seconds for it. Tests leave it: each app would spend
   * seconds of CPU on a model most of them never use.
   */
  warmUpEncoder?: boolean;
  /** A logger to use instead of a new one (tests pass a silent one). */
  logger?: FastifyBaseLogger;
  /** The job queue, when the caller keeps a hand on it (default: one on this database and Redis). The app closes it. */
  queue?: JobQueue;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

export async function buildApp({
  config,
  database,
  jwtSecret,
  redis,
  runWorkers = false,
  warmUpEncoder = false,
  logger,
  queue: givenQueue,
}: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: { level: config.logLevel } }),
    bodyLimit: config.bodyLimit,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    requestIdHeader: false,
    // A caller's X-Request-Id is kept when it is a plain token, so logs can be joined up.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names: from anyone else it
    // would let a client choose its own address, and so its own rate-limit budget.
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.setSerializerCompiler(responseSerializerCompiler);
  useJsonBodies(app);
  // The checks behind /health and /health/ready run in the background; a request that fails for
  // want of the database makes them check at once.
  const health = createHealthMonitor({ database, redis, intervalMs: config.healthCheckIntervalMs, logger: app.log });
  app.setErrorHandler(createErrorHandler({ onDatabaseUnavailable: health.databaseUnavailable }));
  // Hooks on every request take a callback, not a promise: no microtask turn for a header.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  await app.register(securityHeaders, {
    // Swagger UI's page needs inline styles; everything else stays same-origin.
    contentSecurityPolicy: { directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } },
  });
  if (config.corsOrigin) await app.register(cors, { origin: config.corsOrigin, exposedHeaders: ['x-request-id'] });
  await app.register(rateLimit, {
    global: false,
    // With Redis the limits hold across replicas; if Redis is away, requests are not refused for it.
    ...(redis ? { redis: redis.failFast, nameSpace: `${config.redisPrefix}:rate-limit:`, skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) => new AppError(429, 'rate_limited', `Too many attempts, try again in ${context.after}`),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'HummDesk API',
        version: '0.1.0',
        description: 'Multi-tenant, AI-native customer-support helpdesk. Errors are `{error:{code, message, requestId}}`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A login token (the JWT sign-in answers) or an access token (`hd_at_...`)' },
          contactToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The contact token POST /api/public/inboxes/{inboxIdentifier}/contacts answered (public client API)',
          },
          inboundSecret: {
            type: 'http',
            scheme: 'bearer',
            description: "An e-mail inbox's inbound secret (its settings), or the password of HTTP Basic auth (inbound webhook)",
          },
        },
      },
    },
    // A module's root route ('/' under its prefix) is documented as the contract's path,
    // `/api/conversations`, not `/api/conversations/` (Fastify serves both).
    transform: ({ schema, url }) => ({ schema, url: url.length > 1 ? url.replace(/\/$/, '') : url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(metricsPlugin);
  await app.register(authPlugin, {
    db: database.db,
    secret: jwtSecret,
    expiresInSeconds: config.sessionTtlSeconds,
    accessTokenRateLimit: config.accessTokenRateLimit,
  });

  // Composition root: each service gets only what it uses.
  const db = database.db;
  const accessChanges = createAccessChanges({ redis, redisPrefix: config.redisPrefix, onError: (err) => app.log.error({ err }, 'access change failed') });
  const auth = createAuthService({ db, jwt: app.jwt, sessionTtlSeconds: config.sessionTtlSeconds, accessChanges });
  const events = createEventBus((err) => app.log.error({ err }, 'event listener failed'));
  const realtime = attachRealtime(app.server, {
    db,
    bus: events,
    accessChanges,
    verifyToken: (token) => app.jwt.verify(token),
    redis,
    redisPrefix: config.redisPrefix,
    corsOrigin: config.corsOrigin,
    metrics: app.metrics,
    logger: app.log,
  });
  const queue = givenQueue ?? createJobQueue({ db, redis, redisPrefix: config.redisPrefix, singleProcess: database.driver === 'pglite', logger: app.log });
  registerQueueMetrics(queue, app.metrics);
  const services = createServices({
    db,
    events,
    queue,
    presence: (userIds) => realtime.onlineUsers(userIds),
    accessChanges,
    contactSockets: createContactSockets(contactsNamespace(realtime.io)),
    config,
    secret: jwtSecret,
    credentialsKey: await resolveCredentialsKey(config.encryptionKey, config.dataDir),
    metrics: app.metrics,
    onError: (err) => app.log.error({ err }, 'background work failed'),
  });
  if (runWorkers) startWorkers(queue, jobHandlers(services), { concurrency: config.queueConcurrency, logger: app.log });
  if (warmUpEncoder) services.embedder.warmUp().catch((err: unknown) => app.log.warn({ err }, 'loading the sentence encoder failed'));
  if (config.email.listen) {
    const smtp = await startSmtpListener({ config: { ...config.email, listen: config.email.listen }, db, inboundMail: services.inboundMail, logger: app.log });
    // Before the queue and the database close: a message being received finishes first.
    app.addHook('preClose', () => smtp.close());
  }
  app.addHook('onClose', async () => services.embedder.close());
  // Customers through the widget and the public client API: their own HTTP routes and socket namespace.
  const publicApi = createPublicApiService({
    db,
    conversations: services.conversations,
    tokens: createContactTokens(jwtSecret),
    attachments: services.attachments,
  });
  const contactRealtime = attachContactRealtime({
    io: realtime.io,
    bus: events,
    db,
    publicApi,
    onConnectionsChange: realtime.countConnections,
    logger: app.log,
  });

  await app.register(healthRoutes, { monitor: health, database, serverInstance: config.serverInstance, ai: { config, embedder: services.embedder } });
  await app.register(authRoutes, { prefix: '/api/auth', auth, loginRateLimit: config.loginRateLimit });
  await app.register(accountRoutes, { prefix: '/api/account', accounts: services.accounts });
  await app.register(accessTokenRoutes, { prefix: '/api/access-tokens', accessTokens: services.accessTokens });
  await app.register(agentRoutes, { prefix: '/api/agents', agents: services.agents, invitationRateLimit: config.invitationRateLimit });
  await app.register(teamRoutes, { prefix: '/api/teams', teams: services.teams });
  await app.register(inboxRoutes, { prefix: '/api/inboxes', inboxes: services.inboxes });
  await app.register(contactRoutes, { prefix: '/api/contacts', contacts: services.contacts });
  await app.register(labelRoutes, { prefix: '/api/labels', labels: services.labels });
  await app.register(conversationRoutes, { prefix: '/api/conversations', conversations: services.conversations, attachments: services.attachments });
  await app.register(messageDeliveryRoutes, { prefix: '/api/conversations', deliveries: services.messageDeliveries });
  await app.register(attachmentRoutes, { prefix: '/api/attachments', attachments: services.attachments });
  await app.register(queueRoutes, { db, queue, jwtSecret });
  await app.register(aiRoutes, {
    classifications: services.classifications,
    conversations: services.conversations,
    drafts: services.drafts,
    taxonomy: services.taxonomy,
  });
  await app.register(knowledgeBaseRoutes, { prefix: '/api/knowledge-base', knowledgeBase: services.knowledgeBase });
  await app.register(searchRoutes, { prefix: '/api/search', search: createMessageSearch({ db }) });
  await app.register(reportRoutes, { prefix: '/api/reports', reports: services.reports });
  await app.register(webhookRoutes, { prefix: '/api/webhooks', webhooks: services.webhooks });
  await app.register(callbackRoutes, { prefix: '/api/inboxes', callbacks: services.callbacks });
  await app.register(emailRoutes, { prefix: '/api/inboxes', connectionTests: services.connectionTests });
  await app.register(demoRoutes, { prefix: '/api/demo', demo: services.demo, publicEnabled: config.demoEnabled });
  await app.register(inboundWebhookRoutes, {
    prefix: '/api/public/inboxes/:inboxIdentifier/email',
    db,
    inboundMail: services.inboundMail,
    maxBytes: config.email.maxBytes,
    requestsPerMinute: config.publicApiRateLimits.requestsPerMinute,
  });
  await app.register(publicApiRoutes, {
    prefix: '/api/public/inboxes/:inboxIdentifier',
    publicApi,
    limits: config.publicApiRateLimits,
    attachments: services.attachments,
  });

  await app.register(widgetScriptRoutes);
  await serveWebApp(app);

  // Sockets are closed first: open WebSocket connections would keep the HTTP server from closing.
  app.addHook('preClose', async () => {
    contactRealtime.close();
    await realtime.close();
    await accessChanges.close();
  });
  app.addHook('onClose', async () => queue.close());
  return app;
}
