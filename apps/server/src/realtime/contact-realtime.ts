/**
 * Realtime for contacts: the `/contacts` namespace of the API's Socket.IO server. A contact's
 * socket authenticates with its inbox's identifier and its contact token (from an allowed website
 * when a browser opens it), is put in its own contact inbox's room and nowhere else: it has no
 * way to join a room, and hears only what contact-delivery.ts makes public. Typing goes both
 * ways: a contact's to the agents in the conversation's room (`contact:typing`), an agent's to
 * the conversation's contact (`typing`, with the agent's name), each checked against the
 * database once per conversation and limited per socket.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AppDb } from '../db/client.js';
import { conversations } from '../db/schema.js';
import { agentName } from '../modules/public-api/public-api.repo.js';
import { originAllowed, type ContactScope, type PublicApiService } from '../modules/public-api/public-api.service.js';
import { AppError } from '../platform/errors.js';
import { withTenant } from '../platform/tenancy.js';
import { contactsNamespace, deliverToContacts, type ContactNamespace } from './contact-delivery.js';
import { contactSocketRooms } from './contact-sockets.js';
import type { EventBus } from './event-bus.js';
import { contactInboxRoom, conversationRoom } from './events.js';
import type { RealtimeServer } from './socket-server.js';

/** Typing events a socket may send in a window; more are dropped (a held key is not a flood). */
const TYPING_PER_WINDOW = 10;
const TYPING_WINDOW_MS = 5_000;
/** Conversations a socket remembers having checked; beyond this it asks the database again. */
const REMEMBERED = 200;
const MAX_ID = 2_147_483_647;

export interface ContactRealtimeOptions {
  io: RealtimeServer;
  bus: EventBus;
  db: AppDb;
  publicApi: Pick<PublicApiService, 'findInbox' | 'authenticate'>;
  /** Counts contact sockets with the agents' (websocket_connections_active). */
  onConnectionsChange: (delta: number) => void;
  logger: Pick<Logger, 'error'>;
}

/** `{conversationId, typing}` as a client sends it, or null for anything else. */
function typingOf(payload: unknown): { conversationId: number; typing: boolean } | null {
  const { conversationId, typing } = (payload ?? {}) as { conversationId?: unknown; typing?: unknown };
  return Number.isSafeInteger(conversationId) && (conversationId as number) > 0 && (conversationId as number) <= MAX_ID && typeof typing === 'boolean'
    ? { conversationId: conversationId as number, typing }
    : null;
}

/** A per-socket budget of typing events. */
function typingBudget() {
  let windowStart = 0;
  let used = 0;
  return () => {
    const now = Date.now();
    if (now - windowStart >= TYPING_WINDOW_MS) [windowStart, used] = [now, 0];
    return ++used <= TYPING_PER_WINDOW;
  };
}

/** A small memo of database answers per socket, forgotten wholesale when it grows. */
function remembered<V>() {
  const map = new Map<number, V>();
  return {
    get: (key: number) => map.get(key),
    set(key: number, value: V) {
      if (map.size >= REMEMBERED) map.clear();
      map.set(key, value);
    },
  };
}

export function attachContactRealtime(options: ContactRealtimeOptions) {
  const { io, db, publicApi, logger } = options;
  const contacts = contactsNamespace(io);

  /** The handshake's inbox and token, from a website the inbox allows (or from no website). */
  async function authenticate(socket: Parameters<Parameters<ContactNamespace['use']>[0]>[0]): Promise<ContactScope> {
    const { inbox: identifier, token } = socket.handshake.auth as { inbox?: unknown; token?: unknown };
    if (typeof identifier !== 'string' || typeof token !== 'string') throw new AppError(401, 'unauthorized', 'Send auth: {inbox, token}');
    const inbox = await publicApi.findInbox(identifier);
    if (!originAllowed(inbox, socket.handshake.headers.origin)) throw new AppError(403, 'origin_not_allowed', 'This inbox does not accept this website');
    return publicApi.authenticate(inbox, token);
  }

  contacts.use((socket, next) => {
    authenticate(socket).then(
      (scope) => {
        socket.data = scope;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof AppError)) logger.error({ err: error }, 'contact socket authentication failed');
        const [code, message] = error instanceof AppError ? [error.code, error.message] : ['unavailable', 'Try again later'];
        next(Object.assign(new Error(message), { data: { code } }));
      },
    );
  });

  contacts.on('connection', (socket) => {
    options.onConnectionsChange(1);
    // Its contact inbox's room hears its conversations; the others let a deletion or new settings end it (contact-sockets.ts).
    if (!socket.recovered) void socket.join([contactInboxRoom(socket.data.contactInboxId), ...contactSocketRooms(socket.data)]);
    const allowed = typingBudget();
    const own = remembered<true>();
    const { accountId, contactInboxId } = socket.data;

    socket.on('typing', async (payload) => {
      const typing = typingOf(payload);
      if (!typing || !allowed()) return;
      try {
        if (!own.get(typing.conversationId)) {
          const rows = await withTenant(db, { accountId }, (tx) =>
            tx
              .select({ id: conversations.id })
              .from(conversations)
              .where(
                and(eq(conversations.accountId, accountId), eq(conversations.id, typing.conversationId), eq(conversations.contactInboxId, contactInboxId)),
              ),
          );
          if (rows.length === 0) return;
          own.set(typing.conversationId, true);
        }
        io.to(conversationRoom(typing.conversationId)).emit('contact:typing', {
          event: 'contact:typing',
          data: typing,
          accountId,
          id: randomUUID(),
          timestamp: new Date().toISOString(),
        });
      } catch (error) {
        logger.error({ err: error }, 'contact typing failed');
      }
    });
    socket.on('disconnect', () => options.onConnectionsChange(-1));
  });

  // An agent typing in a conversation: its contact (if it came through a channel) hears who.
  io.on('connection', (socket) => {
    const allowed = typingBudget();
    const contactInboxOf = remembered<number | null>();
    let name: string | undefined;

    socket.on('typing', async (payload) => {
      const typing = typingOf(payload);
      if (!typing || !allowed()) return;
      const { accountId, userId } = socket.data;
      try {
        let contactInboxId = contactInboxOf.get(typing.conversationId);
        if (contactInboxId === undefined) {
          const [row] = await withTenant(db, { accountId, userId }, (tx) =>
            tx
              .select({ contactInboxId: conversations.contactInboxId })
              .from(conversations)
              .where(and(eq(conversations.accountId, accountId), eq(conversations.id, typing.conversationId))),
          );
          if (!row) return;
          contactInboxId = row.contactInboxId;
          contactInboxOf.set(typing.conversationId, contactInboxId);
        }
        if (contactInboxId === null) return;
        name ??= (await withTenant(db, { accountId, userId }, (tx) => agentName(tx, userId))) ?? 'Agent';
        contacts.to(contactInboxRoom(contactInboxId)).emit('typing', { ...typing, name });
      } catch (error) {
        logger.error({ err: error }, 'agent typing failed');
      }
    });
  });

  const unsubscribe = options.bus.subscribe(deliverToContacts(contacts, db, (error) => logger.error({ err: error }, 'delivery to contacts failed')));
  return { close: unsubscribe };
}
