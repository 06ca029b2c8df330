/**
 * The one place the environment is read. Validated once at start-up: a bad value stops the
 * process with a message naming the variable, rather than failing later in a request.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  HUMMDESK_ROLE: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], { default: 'all' }),
  HUMMDESK_DATA_DIR: Type.String({ default: './data' }),
  HUMMDESK_INSTANCE: Type.Optional(Type.String({ minLength: 1 })),
  HUMMDESK_DEMO: Type.Optional(Bool),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  HUMMDESK_REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', default: 'hummdesk' }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_EXPIRES_IN: Type.String({ pattern: '^\\d+[smhd]$', default: '12h' }),
  CORS_ORIGIN: Type.Optional(Type.String()),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  ATTACHMENT_MAX_BYTES: Type.Integer({ minimum: 1, maximum: 2_147_483_647, default: 10_485_760 }),
  ATTACHMENT_MAX_FILES: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10 }),
  INVITATION_RATE_LIMIT: Type.Integer({ minimum: 1, default: 100 }),
  ACCESS_TOKEN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 600 }),
  PUBLIC_API_RATE_LIMIT: Type.Integer({ minimum: 1, default: 600 }),
  PUBLIC_API_CONTACT_RATE_LIMIT: Type.Integer({ minimum: 1, default: 30 }),
  PUBLIC_API_MESSAGE_RATE_LIMIT: Type.Integer({ minimum: 1, default: 30 }),
  TRUST_PROXY: Type.Optional(Type.String({ maxLength: 2000 })),
  LOG_LEVEL: Type.String({ pattern: '^(fatal|error|warn|info|debug|trace|silent)$', default: 'info' }),
  HEALTH_CHECK_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000 }),
  AI_PROVIDER: Type.Union([Type.Literal('local'), Type.Literal('anthropic'), Type.Literal('openai')], {
    default: 'local',
  }),
  ANTHROPIC_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  // The newest Sonnet the installed @anthropic-ai/sdk knows (config.test.ts fails when the SDK lists the default as deprecated).
  ANTHROPIC_MODEL: Type.String({ default: 'claude-sonnet-5-5' }),
  ANTHROPIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  OPENAI_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  OPENAI_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  OPENAI_MODEL: Type.String({ default: 'gpt-4o-mini' }),
  AI_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  KB_EXACT_SEARCH_MAX_VECTORS: Type.Integer({ minimum: 0, default: 2_000 }),
  DRAFT_SIMILARITY_THRESHOLD: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  EMBEDDING_PROVIDER: Type.Union([Type.Literal('local'), Type.Literal('openai')], { default: 'local' }),
  OPENAI_EMBEDDING_MODEL: Type.String({ pattern: '^[A-Za-z0-9._:/-]{1,100}$', default: 'text-embedding-3-small' }),
  // HNSW indexes vectors of up to 2,000 dimensions.
  EMBEDDING_DIMENSIONS: Type.Integer({ minimum: 16, maximum: 2000, default: 1536 }),
  QUEUE_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
  WORKER_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: Type.Optional(Bool),
  // At most MAX_WEBHOOK_TIMEOUT_MS, checked below with the reason.
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  HUMMDESK_ENCRYPTION_KEY: Type.Optional(Type.String({ minLength: 32 })),
  SMTP_LISTEN_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  SMTP_LISTEN_HOST: Type.String({ default: '0.0.0.0' }),
  SMTP_TLS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SMTP_TLS_CERT: Type.Optional(Type.String({ minLength: 1 })),
  SMTP_MAX_CONNECTIONS_PER_CLIENT: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  SMTP_MAX_CLIENTS: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
  SMTP_ROUTE_BY_ADDRESS: Type.Optional(Bool),
  EMAIL_INBOUND_DOMAIN: Type.Optional(
    Type.String({ maxLength: 253, pattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$' }),
  ),
  EMAIL_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 2_147_483_647, default: 26_214_400 }),
  EMAIL_SENDER_RATE_LIMIT: Type.Integer({ minimum: 1, default: 60 }),
  EMAIL_ALLOW_PRIVATE_NETWORKS: Type.Optional(Bool),
  EMAIL_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 30_000, default: 20_000 }),
  IMAP_POLL_INTERVAL_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
});

export interface Config {
  port: number;
  host: string;
  role: 'all' | 'api' | 'worker';
  dataDir: string;
  serverInstance: string;
  /** The public, unauthenticated demo endpoint (the brief's Part 1); production sets it off. */
  demoEnabled: boolean;
  databaseUrl: string | undefined;
  dbPoolMax: number;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so installs (and test runs) can share a Redis. */
  redisPrefix: string;
  /** Unset means: generate one and keep it in the data directory. */
  jwtSecret: string | undefined;
  /** How long a session and its token last (JWT_EXPIRES_IN), in seconds. */
  sessionTtlSeconds: number;
  /** `undefined`: no cross-origin access; `true`: any origin; otherwise the listed origins. */
  corsOrigin: true | string[] | undefined;
  bodyLimit: number;
  /** Largest attachment file, in bytes, and most files in one message. */
  attachments: { maxBytes: number; maxFiles: number };
  /** Login attempts a minute per client and e-mail; the other auth limits derive from it (README, Security). */
  loginRateLimit: number;
  /** Invitations an account creates or renews an hour. */
  invitationRateLimit: number;
  /** Requests a minute one access token may make. */
  accessTokenRateLimit: number;
  /**
   * The public client API's limits: requests a minute per client address, contacts created an
   * hour per client address, messages (and new conversations) a minute per contact.
   */
  publicApiRateLimits: { requestsPerMinute: number; contactsPerHour: number; messagesPerMinute: number };
  /**
   * The proxies whose X-Forwarded-For is believed (addresses, CIDRs, or `loopback`,
   * `linklocal`, `uniquelocal`); false: none, the client address is the connection's.
   */
  trustProxy: string[] | false;
  logLevel: string;
  /** How often the database and Redis are checked in the background for /health and /health/ready. */
  healthCheckIntervalMs: number;
  aiProvider: 'local' | 'anthropic' | 'openai';
  /** A worker process serves /metrics and /health on this port, when set. */
  workerMetricsPort: number | undefined;
  /** Classification jobs one process runs at once (the embedding model batches them). */
  queueConcurrency: number;
  /** The hosted model, when AI_PROVIDER names one; the local model is its fallback. */
  remoteAi: { provider: 'anthropic' | 'openai'; apiKey: string; model: string; baseURL: string | undefined; timeoutMs: number } | undefined;
  /** Accounts with up to this many vectors are searched exactly; larger ones through HNSW. */
  exactSearchMaxVectors: number;
  /** Similarity a knowledge-base passage needs to ground a draft; unset: the local encoder's value. */
  draftSimilarityThreshold: number | undefined;
  /** Hosted embeddings for the knowledge base, when EMBEDDING_PROVIDER=openai; otherwise the local model. */
  remoteEmbeddings: { apiKey: string; model: string; dimensions: number; baseURL: string | undefined; timeoutMs: number } | undefined;
  /**
   * What webhook deliveries and API-channel callbacks may reach: private, loopback and link-local
   * addresses only when the operator allows them; every exchange within `timeoutMs`.
   */
  outbound: { allowPrivateNetworks: boolean; timeoutMs: number };
  /** Seals stored credentials (e-mail passwords); unset: derived from the app's secret (JWT_SECRET or the generated one). */
  encryptionKey: string | undefined;
  /** The e-mail channel (README, Email). */
  email: {
    /** The built-in SMTP listener's port (SMTP_LISTEN_PORT; unset: no listener) and address. */
    listen: { port: number; host: string } | undefined;
    /** STARTTLS on the listener: the PEM files of its key and certificate, when both are set. */
    tls: { keyFile: string; certFile: string } | undefined;
    /** Open SMTP connections one client (an IPv4 address, an IPv6 /64) may hold at once. */
    maxConnectionsPerClient: number;
    /** Open SMTP connections the listener holds at once, from all clients (SMTP_MAX_CLIENTS). */
    maxClients: number;
    /**
     * Whether the listener takes mail for the inboxes' own addresses (SMTP_ROUTE_BY_ADDRESS,
     * default true). Any account may type any address: on an install shared by companies that do
     * not trust each other, false leaves the forwarding addresses as the only way in.
     */
    routeByAddress: boolean;
    /**
     * The domain of the inboxes' forwarding addresses, `<identifier>@<domain>` (EMAIL_INBOUND_DOMAIN,
     * lower-case; its MX points at the listener); unset: no forwarding addresses.
     */
    inboundDomain: string | undefined;
    /** Largest message taken in, in bytes, by any of the three ways in. */
    maxBytes: number;
    /** Messages an hour one sender address may open or add to an inbox's conversations. */
    senderRateLimitPerHour: number;
    /** Whether SMTP relays and IMAP servers may be private, loopback or link-local addresses (a local relay). */
    allowPrivateNetworks: boolean;
    /**
     * A whole send attempt (DNS to the relay's last answer) within this, and every exchange with
     * an IMAP server; an IMAP poll starts no new message after it. At most 30 s: half the 60 s a
     * worker holds a job (LOCK_MS), so a slow one is never taken over and run twice.
     */
    timeoutMs: number;
    /** How often each inbox's IMAP mailbox is fetched. */
    imapPollIntervalMs: number;
  };
}

export class ConfigError extends Error {}

/**
 * A delivery runs in a claimed job, which the jobs table locks for 60 s (LOCK_MS in
 * platform/queue/job-store.ts) without renewing: a longer one would be taken over by another
 * worker and sent twice. Half the lock leaves room for the job's own queries.
 */
const MAX_WEBHOOK_TIMEOUT_MS = 30_000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw));
  if (!Value.Check(EnvSchema, converted)) {
    const problems = Value.Errors(EnvSchema, converted).map((error) => `${error.instancePath.slice(1) || 'environment'}: ${error.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = converted as Static<typeof EnvSchema>;
  if (e.AI_PROVIDER === 'anthropic' && !e.ANTHROPIC_API_KEY) throw new ConfigError('invalid configuration: AI_PROVIDER=anthropic needs ANTHROPIC_API_KEY');
  if (e.AI_PROVIDER === 'openai' && !e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new ConfigError('invalid configuration: AI_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)');
  }
  if (e.WEBHOOK_TIMEOUT_MS > MAX_WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError(
      `invalid configuration: WEBHOOK_TIMEOUT_MS may be at most ${MAX_WEBHOOK_TIMEOUT_MS} (half the 60 s a worker holds a job): a longer delivery would be sent twice`,
    );
  }
  if (Boolean(e.SMTP_TLS_KEY) !== Boolean(e.SMTP_TLS_CERT)) {
    throw new ConfigError("invalid configuration: SMTP_TLS_KEY and SMTP_TLS_CERT go together (the PEM files of the listener's STARTTLS key and certificate)");
  }
  if (e.EMBEDDING_PROVIDER === 'openai' && !e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new ConfigError('invalid configuration: EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)');
  }
  const remoteAi =
    e.AI_PROVIDER === 'anthropic'
      ? { provider: 'anthropic' as const, apiKey: e.ANTHROPIC_API_KEY!, model: e.ANTHROPIC_MODEL, baseURL: e.ANTHROPIC_BASE_URL, timeoutMs: e.AI_TIMEOUT_MS }
      : e.AI_PROVIDER === 'openai'
        ? {
            provider: 'openai' as const,
            apiKey: e.OPENAI_API_KEY ?? 'not-needed',
            model: e.OPENAI_MODEL,
            baseURL: e.OPENAI_BASE_URL,
            timeoutMs: e.AI_TIMEOUT_MS,
          }
        : undefined;
  return {
    port: e.PORT,
    host: e.HOST,
    role: e.HUMMDESK_ROLE,
    dataDir: resolve(e.HUMMDESK_DATA_DIR),
    serverInstance: e.HUMMDESK_INSTANCE ?? `${hostname()}:${process.pid}`,
    demoEnabled: e.HUMMDESK_DEMO !== 'false',
    databaseUrl: e.DATABASE_URL,
    dbPoolMax: e.DB_POOL_MAX,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.HUMMDESK_REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET,
    sessionTtlSeconds: durationSeconds(e.JWT_EXPIRES_IN),
    corsOrigin: parseCorsOrigin(e.CORS_ORIGIN),
    bodyLimit: e.BODY_LIMIT,
    attachments: { maxBytes: e.ATTACHMENT_MAX_BYTES, maxFiles: e.ATTACHMENT_MAX_FILES },
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    invitationRateLimit: e.INVITATION_RATE_LIMIT,
    accessTokenRateLimit: e.ACCESS_TOKEN_RATE_LIMIT,
    publicApiRateLimits: {
      requestsPerMinute: e.PUBLIC_API_RATE_LIMIT,
      contactsPerHour: e.PUBLIC_API_CONTACT_RATE_LIMIT,
      messagesPerMinute: e.PUBLIC_API_MESSAGE_RATE_LIMIT,
    },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    healthCheckIntervalMs: e.HEALTH_CHECK_INTERVAL_MS,
    aiProvider: e.AI_PROVIDER,
    queueConcurrency: e.QUEUE_CONCURRENCY,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    remoteAi,
    draftSimilarityThreshold: e.DRAFT_SIMILARITY_THRESHOLD,
    exactSearchMaxVectors: e.KB_EXACT_SEARCH_MAX_VECTORS,
    remoteEmbeddings:
      e.EMBEDDING_PROVIDER === 'openai'
        ? {
            apiKey: e.OPENAI_API_KEY ?? 'not-needed',
            model: e.OPENAI_EMBEDDING_MODEL,
            dimensions: e.EMBEDDING_DIMENSIONS,
            baseURL: e.OPENAI_BASE_URL,
            timeoutMs: e.AI_TIMEOUT_MS,
          }
        : undefined,
    outbound: { allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true', timeoutMs: e.WEBHOOK_TIMEOUT_MS },
    encryptionKey: e.HUMMDESK_ENCRYPTION_KEY,
    email: {
      listen: e.SMTP_LISTEN_PORT === undefined ? undefined : { port: e.SMTP_LISTEN_PORT, host: e.SMTP_LISTEN_HOST },
      tls: e.SMTP_TLS_KEY && e.SMTP_TLS_CERT ? { keyFile: resolve(e.SMTP_TLS_KEY), certFile: resolve(e.SMTP_TLS_CERT) } : undefined,
      maxConnectionsPerClient: e.SMTP_MAX_CONNECTIONS_PER_CLIENT,
      maxClients: e.SMTP_MAX_CLIENTS,
      routeByAddress: e.SMTP_ROUTE_BY_ADDRESS !== 'false',
      inboundDomain: e.EMAIL_INBOUND_DOMAIN?.toLowerCase(),
      maxBytes: e.EMAIL_MAX_BYTES,
      senderRateLimitPerHour: e.EMAIL_SENDER_RATE_LIMIT,
      allowPrivateNetworks: e.EMAIL_ALLOW_PRIVATE_NETWORKS === 'true',
      timeoutMs: e.EMAIL_TIMEOUT_MS,
      imapPollIntervalMs: e.IMAP_POLL_INTERVAL_MS,
    },
  };
}

function parseCorsOrigin(value: string | undefined): Config['corsOrigin'] {
  if (!value) return undefined;
  if (value.trim() === '*') return true;
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const durationSeconds = (value: string) => Number(value.slice(0, -1)) * UNIT_SECONDS[value.slice(-1) as keyof typeof UNIT_SECONDS];

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `TRUST_PROXY`: a comma-separated list of addresses, CIDRs and keywords; anything else stops start-up. */
function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  if (!value || value.trim() === '' || value.trim() === 'false') return false;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const version = isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (!PROXY_KEYWORDS.has(entry) && (version === 0 || !prefixOk || extra !== undefined)) {
      throw new ConfigError(
        `invalid configuration: TRUST_PROXY: "${entry}" is not an IP address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`,
      );
    }
  }
  return entries;
}
