/**
 * The plain WebSocket feed, for tools that do not speak Socket.IO (the brief's
 * `wscat -c ws://localhost:5000 -H "Authorization: Bearer <token>"`): every event of the token's
 * account, as one JSON envelope per message. Read-only; the web app uses Socket.IO.
 *
 * With Redis, each event is also published on the channel `<prefix>:account:<id>:<event>`
 * (what `redis-cli MONITOR` shows) and every replica forwards its channel messages to its own
 * feed clients, so a feed on replica 1 hears what replica 2 committed.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerOf } from '../platform/auth.js';
import { concerns, type AccessChange, type ConnectionIdentity } from './access-changes.js';
import { isAccountWide, type EventBus } from './event-bus.js';
import type { EventEnvelope } from './events.js';

export const FEED_PATHS = new Set(['/', '/ws']);

export interface FeedOptions {
  bus: EventBus;
  /** Resolves the account a request's token may read, or throws. */
  authenticate: (token: string | undefined) => Promise<ConnectionIdentity & { expiresAt: number }>;
  redis?: { shared: Redis } | undefined;
  redisPrefix: string;
  onConnectionsChange: (delta: 1 | -1) => void;
  onError: (error: unknown) => void;
}

/** The Redis channel of an account's event (what `redis-cli MONITOR` shows). */
export const feedChannel = (redisPrefix: string, envelope: EventEnvelope) => `${redisPrefix}:account:${envelope.accountId}:${envelope.event}`;

export function attachEventFeed(httpServer: HttpServer, options: FeedOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const clients = new Map<number, Set<WebSocket>>();
  /** Who each client is, so ended access closes exactly its connections. */
  const identities = new WeakMap<WebSocket, ConnectionIdentity>();

  function deliver(accountId: number, message: string) {
    for (const client of clients.get(accountId) ?? []) if (client.readyState === client.OPEN) client.send(message);
  }

  let stopSource: () => Promise<void>;
  if (options.redis) {
    const { shared } = options.redis;
    const subscriber = shared.duplicate();
    void subscriber.psubscribe(`${options.redisPrefix}:account:*`).catch(options.onError);
    subscriber.on('pmessage', (_pattern, name, message) => {
      const accountId = Number(name.slice(options.redisPrefix.length + ':account:'.length).split(':')[0]);
      if (Number.isSafeInteger(accountId)) deliver(accountId, message);
    });
    const unsubscribe = options.bus.subscribe((published) => {
      if (!isAccountWide(published)) return;
      shared.publish(feedChannel(options.redisPrefix, published.envelope), JSON.stringify(published.envelope)).catch(options.onError);
    });
    stopSource = async () => {
      unsubscribe();
      subscriber.disconnect();
    };
  } else {
    const unsubscribe = options.bus.subscribe((published) => {
      if (isAccountWide(published)) deliver(published.envelope.accountId, JSON.stringify(published.envelope));
    });
    stopSource = async () => {
      unsubscribe();
    };
  }

  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/socket.io/')) return; // Socket.IO's own upgrades
    if (!FEED_PATHS.has(url.pathname)) return void socket.destroy();
    const header = request.headers.authorization;
    const token = bearerOf(header) ?? url.searchParams.get('token') ?? undefined;
    let account: ConnectionIdentity & { expiresAt: number };
    try {
      account = await options.authenticate(token);
    } catch (error) {
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: { code: 'unauthorized', message: (error as Error).message } })}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (client) => {
      const set = clients.get(account.accountId) ?? new Set<WebSocket>();
      clients.set(account.accountId, set.add(client));
      identities.set(client, { accountId: account.accountId, userId: account.userId, sessionId: account.sessionId });
      options.onConnectionsChange(1);
      const remaining = account.expiresAt - Date.now();
      const expiry = remaining < 2 ** 31 ? setTimeout(() => client.close(4001, 'token expired'), Math.max(remaining, 0)) : undefined;
      client.on('message', () => undefined); // read-only: whatever a client sends is ignored
      client.on('error', () => client.terminate());
      client.on('close', () => {
        clearTimeout(expiry);
        set.delete(client);
        if (set.size === 0) clients.delete(account.accountId);
        options.onConnectionsChange(-1);
      });
    });
  };
  httpServer.on('upgrade', (request, socket, head) => void onUpgrade(request, socket, head));

  return {
    /** Closes this process's feed connections that the ended or changed access opened. */
    revoke(change: AccessChange) {
      for (const client of clients.get(change.accountId ?? -1) ?? (change.accountId === undefined ? wss.clients : [])) {
        const identity = identities.get(client);
        if (identity && concerns(change, identity)) client.close(4003, `access ${change.reason.replace('_', ' ')}`);
      }
    },
    async close() {
      await stopSource();
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
