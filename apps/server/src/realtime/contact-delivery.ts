/**
 * What contacts hear of the bus's events: a conversation's events name its customer's room
 * (events.ts `conversationRooms`), and that room gets the public shape of what the customer may
 * see: a message that is neither a private note nor an activity line, and the conversation's
 * status and agent's name. Never the agents' event itself. Runs wherever events are published
 * (an API process, a worker), through the Socket.IO adapter to every replica.
 */
import type { Namespace } from 'socket.io';
import type { AppDb } from '../db/client.js';
import { agentName } from '../modules/public-api/public-api.repo.js';
import type { ContactScope } from '../modules/public-api/public-api.service.js';
import { toPublicConversation, toPublicMessage, type PublicConversation, type PublicMessage } from '../modules/public-api/public-api.shapes.js';
import { withTenant } from '../platform/tenancy.js';
import type { EventListener } from './event-bus.js';
import { isContactInboxRoom, type EventEnvelope } from './events.js';

/** Events a contact's socket receives (no envelope: a contact knows no accounts). */
export interface ContactServerEvents {
  'message:new': (payload: { conversationId: number; message: PublicMessage }) => void;
  'conversation:updated': (payload: { conversation: PublicConversation }) => void;
  /** An agent is typing (or stopped) in one of the contact's conversations. */
  typing: (payload: { conversationId: number; typing: boolean; name: string }) => void;
}

export interface ContactClientEvents {
  typing: (payload: unknown) => void;
}

/** Each socket's data is the contact its token names. */
export type ContactNamespace = Namespace<ContactClientEvents, ContactServerEvents, Record<string, never>, ContactScope>;

export const CONTACTS_NAMESPACE = '/contacts';

/** The contacts' namespace of a server typed for agents' sockets: its own events and socket data. */
export const contactsNamespace = (io: { of(name: string): unknown }) => io.of(CONTACTS_NAMESPACE) as ContactNamespace;

/**
 * A bus listener delivering to contact rooms. Deliveries run one after another, so a contact
 * hears a conversation's changes in the order they were published even when one needs the
 * assignee's name from the database.
 */
export function deliverToContacts(contacts: Pick<ContactNamespace, 'to'>, db: AppDb, onError: (error: unknown) => void): EventListener {
  let previous = Promise.resolve();

  async function deliver(envelope: EventEnvelope, room: string) {
    if (envelope.event === 'message:new') {
      const { conversationId, message } = (envelope as EventEnvelope<'message:new'>).data;
      const visible = toPublicMessage(message);
      if (visible) contacts.to(room).emit('message:new', { conversationId, message: visible });
    } else if (envelope.event === 'conversation:updated') {
      const { conversation } = (envelope as EventEnvelope<'conversation:updated'>).data;
      const name = await withTenant(db, { accountId: envelope.accountId }, (tx) => agentName(tx, conversation.assigneeId));
      contacts.to(room).emit('conversation:updated', { conversation: toPublicConversation(conversation, name) });
    }
  }

  return ({ envelope, rooms }) => {
    const room = rooms.find(isContactInboxRoom);
    if (!room || (envelope.event !== 'message:new' && envelope.event !== 'conversation:updated')) return;
    previous = previous.then(() => deliver(envelope, room)).catch(onError);
  };
}
