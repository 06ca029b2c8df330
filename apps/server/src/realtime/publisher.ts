/**
 * The realtime layer of a worker process. A worker serves no sockets and no feed, but what its
 * jobs commit (classifications, drafts, reopened conversations) must reach the clients of the API
 * replicas: each event goes through the Socket.IO Redis adapter to the rooms it names, on every
 * replica, and to the account's feed channel. Presence (who has a socket open) is asked of the
 * replicas through the same adapter.
 */
import { Server } from 'socket.io';
import type { RedisConnections } from '../platform/redis.js';
import type { EventBus } from './event-bus.js';
import { feedChannel } from './event-feed.js';
import { onlineUsers, redisAdapter, type RealtimeServer } from './socket-server.js';

export function createRealtimePublisher(options: { bus: EventBus; redis: RedisConnections; redisPrefix: string; onError: (error: unknown) => void }) {
  const io: RealtimeServer = new Server({ adapter: redisAdapter(options.redis, options.redisPrefix) });
  const unsubscribe = options.bus.subscribe(({ envelope, rooms }) => {
    io.to(rooms).emit(envelope.event, envelope as never);
    options.redis.shared.publish(feedChannel(options.redisPrefix, envelope), JSON.stringify(envelope)).catch(options.onError);
  });
  return {
    onlineUsers: (userIds: number[]) => onlineUsers(io, userIds),
    async close() {
      unsubscribe();
      await io.of('/').adapter.close();
    },
  };
}
