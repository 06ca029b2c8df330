/**
 * Access that ended or changed (an agent removed, a role changed, a session signed out or
 * revoked by a password change) must end the open sockets and feeds it opened, at once and on
 * every replica, not when their tokens expire. Services announce the change after its commit;
 * each replica's realtime layer disconnects the matching connections. With Redis the change
 * travels on a pub/sub channel to every replica; the announcing process also acts on it
 * directly, so a Redis outage never delays it there.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export type AccessChangeReason = 'removed' | 'role_changed' | 'signed_out' | 'session_revoked';

/** Which connections the change concerns: the user's, narrowed by account and session. */
export interface AccessChange {
  userId: number;
  accountId?: number;
  /** Only this session. */
  sessionId?: string;
  /** Every session of the user but this one. */
  exceptSessionId?: string;
  reason: AccessChangeReason;
}

export interface ConnectionIdentity {
  accountId: number;
  userId: number;
  sessionId: string;
}

export function concerns(change: AccessChange, connection: ConnectionIdentity): boolean {
  return (
    connection.userId === change.userId &&
    (change.accountId === undefined || connection.accountId === change.accountId) &&
    (change.sessionId === undefined || connection.sessionId === change.sessionId) &&
    (change.exceptSessionId === undefined || connection.sessionId !== change.exceptSessionId)
  );
}

export interface AccessChanges {
  publish(change: AccessChange): void;
  subscribe(listener: (change: AccessChange) => void): () => void;
  close(): Promise<void>;
}

export function createAccessChanges(options: { redis?: { shared: Redis } | undefined; redisPrefix: string; onError: (error: unknown) => void }): AccessChanges {
  const listeners = new Set<(change: AccessChange) => void>();
  const origin = randomUUID();
  const channel = `${options.redisPrefix}:access-changes`;
  const deliver = (change: AccessChange) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        options.onError(error);
      }
    }
  };

  // Only a process that listens (an API replica with sockets) opens a subscriber connection.
  let subscriber: Redis | undefined;
  function listenToOtherProcesses() {
    if (subscriber || !options.redis) return;
    subscriber = options.redis.shared.duplicate();
    void subscriber.subscribe(channel).catch(options.onError);
    subscriber.on('message', (_channel, message: string) => {
      try {
        const { from, change } = JSON.parse(message) as { from: string; change: AccessChange };
        if (from !== origin) deliver(change);
      } catch (error) {
        options.onError(error);
      }
    });
  }

  return {
    publish(change) {
      deliver(change);
      options.redis?.shared.publish(channel, JSON.stringify({ from: origin, change })).catch(options.onError);
    },
    subscribe(listener) {
      listenToOtherProcesses();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      subscriber?.disconnect();
    },
  };
}
