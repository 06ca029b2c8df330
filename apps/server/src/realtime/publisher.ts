/**
 * The realtime layer of a worker process. A worker serves no sockets and no feed, but what its
 * jobs commit (classifications, drafts, reopened conversations) must reach the clients of the API
 * replicas: each event goes through the Socket.IO Redis adapter to the rooms it names, on every
 * replica, and to the account's feed channel. Presence (who has a socket open) is asked of the
 * replicas through the same adapter.
 */
import { Server } from 'socket.io';
import type { AppDb } from '../db/client.js';
import type { RedisConnections } from '../platform/redis.js';
import { CONTACTS_NAMESPACE, contactsNamespace, deliverToContacts } from './contact-delivery.js';
import { isAccountWide, type EventBus } from './event-bus.js';
import { feedChannel } from './event-feed.js';
import { onlineUsers, redisAdapter, type RealtimeServer } from './socket-server.js';

export function createRealtimePublisher(options: {
  bus: EventBus;
  redis: RedisConnections;
  redisPrefix: string;
  /** Contacts hear a conversation's changes with its assignee's name, read here. */
  db: AppDb;
  onError: (error: unknown) => void;
}) {
  const io: RealtimeServer = new Server({ adapter: redisAdapter(options.redis, options.redisPrefix) });
  const unsubscribe = options.bus.subscribe((published) => {
    const { envelope, rooms } = published;
    io.to(rooms).emit(envelope.event, envelope as never);
    if (isAccountWide(published)) options.redis.shared.publish(feedChannel(options.redisPrefix, envelope), JSON.stringify(envelope)).catch(options.onError);
  });
  // The public shape of what customers may see, to their rooms on the API replicas.
  const stopContacts = options.bus.subscribe(deliverToContacts(contactsNamespace(io), options.db, options.onError));
  return {
    onlineUsers: (userIds: number[]) => onlineUsers(io, userIds),
    async close() {
      unsubscribe();
      stopContacts();
      await io.of('/').adapter.close();
      await io.of(CONTACTS_NAMESPACE).adapter.close();
    },
  };
}
