/**
 * Socket.IO on the API's port. Tenant isolation, layer 4: a socket is authenticated at the
 * handshake (JWT + membership in the database), joins only its account's and user's rooms,
 * and may join a conversation or team room only after the database confirms it is of that
 * account. Events from the bus go to the rooms they name; with Redis the streams adapter
 * carries them to every replica, and a client that reconnects within two minutes is sent
 * what it missed (connection state recovery). A plain WebSocket feed (event-feed.ts) serves
 * tools that do not speak Socket.IO.
 */
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import type { AppDb } from '../db/client.js';
import { conversations, teams } from '../db/schema.js';
import { isAccessToken } from '../platform/access-tokens.js';
import { bearerOf, resolveSession, SessionEndedError, type SessionContext, type TokenClaims } from '../platform/auth.js';
import type { RedisConnections } from '../platform/redis.js';
import { withTenant } from '../platform/tenancy.js';
import { concerns, type AccessChange, type AccessChanges } from './access-changes.js';
import type { EventBus } from './event-bus.js';
import { attachEventFeed } from './event-feed.js';
import { accountRoom, administratorsRoom, userRoom, type EventEnvelope, type RealtimeEventMap } from './events.js';

export const UNAUTHORIZED_ROOM = 'Unauthorized room access';
const ROOM = /^(account|conversation|team|user):([1-9][0-9]{0,9})$/;
/** Ids are Postgres integers: a larger one names no room, and is refused without asking the database. */
const MAX_ID = 2_147_483_647;
/** Beyond these a socket's joins are refused: a flood costs the database nothing. */
const MAX_ROOMS = 200;
const JOINS_PER_SECOND = 20;
const RECOVERY_WINDOW_MS = 2 * 60_000;
/** How long a socket whose access ended stays connected (in no room) for its notice to arrive. */
const NOTICE_GRACE_MS = 1_000;

type ServerEvents = { [E in keyof RealtimeEventMap]: (envelope: EventEnvelope<E>) => void } & {
  'auth:expired': () => void;
  /** Sent just before the server disconnects the socket because its access ended or changed. */
  'auth:revoked': (reason: AccessChange['reason']) => void;
};
type JoinAck = (answer: { success: true } | { error: string }) => void;
interface ClientEvents {
  join: (room: unknown, ack?: JoinAck) => void;
  leave: (room: unknown, ack?: JoinAck) => void;
  /** `{conversationId, typing}`: the agent is typing a reply (contact-realtime.ts tells the customer). */
  typing: (payload: unknown) => void;
}
type SocketData = SessionContext;
type AppSocket = Socket<ClientEvents, ServerEvents, Record<string, never>, SocketData>;
/** Socket.IO as the API serves it and a worker's publisher emits through it. */
export type RealtimeServer = Server<ClientEvents, ServerEvents, Record<string, never>, SocketData>;

export interface RealtimeOptions {
  db: AppDb;
  bus: EventBus;
  verifyToken: (token: string) => TokenClaims;
  /** Ended or changed access, to disconnect (API processes; a worker has no sockets). */
  accessChanges?: Pick<AccessChanges, 'subscribe'>;
  redis?: RedisConnections | undefined;
  redisPrefix: string;
  corsOrigin: true | string[] | undefined;
  metrics: Registry;
  logger: Pick<Logger, 'warn' | 'error' | 'debug'>;
}

/** The Socket.IO adapter that carries rooms' events between processes, when Redis is set. */
export function redisAdapter(redis: RedisConnections, redisPrefix: string) {
  return createAdapter(redis.shared, {
    streamName: `${redisPrefix}:socket.io`,
    channelPrefix: `${redisPrefix}:socket.io`,
    sessionKeyPrefix: `${redisPrefix}:socket.io:session:`,
    onlyPlaintext: true,
  });
}

/**
 * Which of these users have a socket open on any replica (through the adapter); null when the
 * replicas did not answer in time, so callers can go on without presence.
 */
export async function onlineUsers(io: RealtimeServer, userIds: number[]): Promise<Set<number> | null> {
  if (userIds.length === 0) return new Set();
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 500).unref());
  const sockets = await Promise.race([io.in(userIds.map(userRoom)).fetchSockets(), timeout]).catch(() => null);
  return sockets && new Set(sockets.map((socket) => socket.data.userId));
}

/** Serves sockets and the feed on the API's HTTP server (a worker process uses publisher.ts). */
export function attachRealtime(httpServer: HttpServer, options: RealtimeOptions) {
  const { db } = options;
  const io: RealtimeServer = new Server(httpServer, {
    serveClient: false,
    // Other upgrade paths belong to the plain WebSocket feed (event-feed.ts).
    destroyUpgrade: false,
    // Clients send only joins and leaves: a large packet is hostile.
    maxHttpBufferSize: 16 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
    ...(options.corsOrigin ? { cors: { origin: options.corsOrigin } } : {}),
    ...(options.redis ? { adapter: redisAdapter(options.redis, options.redisPrefix) } : {}),
  });

  const connections = new Gauge({
    name: 'websocket_connections_active',
    help: 'Socket.IO connections open on this process',
    registers: [options.metrics],
  });
  const published = new Counter({
    name: 'realtime_events_total',
    help: 'Events handed to Socket.IO for delivery, by event name',
    labelNames: ['event'] as const,
    registers: [options.metrics],
  });
  const latency = new Histogram({
    name: 'realtime_delivery_latency_seconds',
    help: 'From the commit that caused an event to its hand-over to Socket.IO on this process',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [options.metrics],
  });

  // Every outcome reaches `next`: the handshake is accepted or refused, never left hanging.
  io.use((socket, next) => {
    const header = socket.handshake.headers.authorization;
    authenticate((socket.handshake.auth as { token?: unknown }).token ?? bearerOf(header)).then(
      (data) => {
        socket.data = data;
        next();
      },
      (error: unknown) => next(Object.assign(new Error((error as Error).message), { data: { code: 'unauthorized' } })),
    );
  });

  /**
   * The token's session must be active and its user still a member of the account: checked in
   * the database. Sockets and feeds are for signed-in people: an integration's access token is
   * refused (webhooks tell integrations what happens), so no connection outlives a revoked token.
   */
  async function authenticate(token: unknown): Promise<SocketData> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new Error('Authentication required');
    if (isAccessToken(token)) throw new Error('An access token cannot open a realtime connection: sign in, or subscribe a webhook');
    let claims: TokenClaims;
    try {
      claims = options.verifyToken(token);
    } catch {
      throw new Error('Invalid or expired token');
    }
    // No handler follows to take the check's transaction: it ends with the check.
    return resolveSession(db, claims, { offer: false });
  }

  /** Whether the socket's session is still active and its user a member (a revocation may have been missed). */
  async function stillAllowed(socket: AppSocket): Promise<boolean> {
    const { userId, accountId, sessionId, expiresAt } = socket.data;
    try {
      await resolveSession(db, { sub: String(userId), acc: accountId, sid: sessionId, exp: expiresAt / 1000 }, { offer: false });
      return true;
    } catch (error) {
      if (error instanceof SessionEndedError) return false;
      throw error;
    }
  }

  /** Whether the socket's account owns the room; only the database knows for conversations and teams. */
  async function mayJoin(socket: AppSocket, kind: string, id: number): Promise<boolean> {
    const { accountId, userId } = socket.data;
    if (kind === 'account') return id === accountId;
    if (kind === 'user') return id === userId;
    const table = kind === 'conversation' ? conversations : teams;
    const rows = await withTenant(db, { accountId, userId }, (tx) =>
      tx
        .select({ id: table.id })
        .from(table)
        .where(and(eq(table.accountId, accountId), eq(table.id, id))),
    );
    return rows.length > 0;
  }

  io.on('connection', (socket) => {
    connections.inc();
    if (!socket.recovered) {
      const { accountId, userId, role } = socket.data;
      void socket.join([accountRoom(accountId), userRoom(userId), ...(role === 'administrator' ? [administratorsRoom(accountId)] : [])]);
    }
    // A socket lives no longer than its token.
    const remaining = socket.data.expiresAt - Date.now();
    const expiry =
      remaining < 2 ** 31
        ? setTimeout(
            () => {
              socket.emit('auth:expired');
              socket.disconnect(true);
            },
            Math.max(remaining, 0),
          )
        : undefined;
    let windowStart = Date.now();
    let joinsInWindow = 0;

    socket.on('join', async (room, ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      const now = Date.now();
      if (now - windowStart >= 1_000) [windowStart, joinsInWindow] = [now, 0];
      if (++joinsInWindow > JOINS_PER_SECOND || socket.rooms.size >= MAX_ROOMS) return answer({ error: 'Too many joins' });
      const match = typeof room === 'string' ? ROOM.exec(room) : null;
      if (!match) return answer({ error: 'Invalid room name' });
      if (Number(match[2]) > MAX_ID) return answer({ error: UNAUTHORIZED_ROOM });
      try {
        if (!(await stillAllowed(socket))) {
          answer({ error: UNAUTHORIZED_ROOM });
          return end(socket, 'session_revoked');
        }
        if (!(await mayJoin(socket, match[1]!, Number(match[2])))) return answer({ error: UNAUTHORIZED_ROOM });
        await socket.join(room as string);
        answer({ success: true });
      } catch (error) {
        options.logger.error({ err: error }, 'socket join failed');
        answer({ error: 'Try again later' });
      }
    });

    socket.on('leave', async (room, ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      if (typeof room !== 'string' || !ROOM.test(room)) return answer({ error: 'Invalid room name' });
      await socket.leave(room);
      answer({ success: true });
    });

    socket.on('disconnect', () => {
      connections.dec();
      clearTimeout(expiry);
    });
  });

  /**
   * Ends a socket whose access ended: it leaves every room at once (no further event reaches
   * it), is told why, and is disconnected once the notice is out. With connection state
   * recovery a socket's own emits travel through the adapter (the Redis stream when scaled
   * out), so disconnecting at once would drop the notice.
   */
  function end(socket: AppSocket, reason: AccessChange['reason']) {
    for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
    socket.emit('auth:revoked', reason);
    setTimeout(() => socket.disconnect(true), NOTICE_GRACE_MS).unref();
  }

  // Access that ended or changed closes this process's matching sockets at once (every replica
  // hears the change); the client signs in again, or reconnects under its new role.
  const stopAccessChanges = options.accessChanges?.subscribe((change) => {
    for (const socket of io.of('/').sockets.values()) if (concerns(change, socket.data)) end(socket, change.reason);
    feed.revoke(change);
  });

  const feed = attachEventFeed(httpServer, {
    bus: options.bus,
    authenticate,
    redis: options.redis,
    redisPrefix: options.redisPrefix,
    onConnectionsChange: (delta) => (delta > 0 ? connections.inc() : connections.dec()),
    onError: (error) => options.logger.error({ err: error }, 'event feed failed'),
  });

  const unsubscribe = options.bus.subscribe(({ envelope, rooms }) => {
    published.inc({ event: envelope.event });
    latency.observe((Date.now() - Date.parse(envelope.timestamp)) / 1000);
    io.to(rooms).emit(envelope.event, envelope as never);
  });

  return {
    io,
    /** Other namespaces' sockets (contacts') count as connections too. */
    countConnections: (delta: number) => (delta > 0 ? connections.inc(delta) : connections.dec(-delta)),
    onlineUsers: (userIds: number[]) => onlineUsers(io, userIds),
    /** Disconnects this process's sockets (they reconnect to another replica) and stops. */
    async close() {
      unsubscribe();
      stopAccessChanges?.();
      await feed.close();
      io.local.disconnectSockets(true);
      await new Promise<void>((resolve) => void io.close(() => resolve()));
    },
  };
}
