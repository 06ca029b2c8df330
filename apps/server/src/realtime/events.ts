/**
 * The realtime contract: event names and their payloads, shared with the web app. Every event
 * reaches clients as an envelope `{event, data, accountId, id, timestamp}` under its name.
 */
import type { Static } from 'typebox';
import type { Classification as ClassificationSchema, Draft } from '../modules/ai/ai.schema.js';
import type { Conversation, Message } from '../modules/conversations/conversations.schema.js';
import type { WebhookNotice } from '../modules/webhooks/webhooks.schema.js';

/** Payloads are the API's own resources (timestamps arrive as ISO 8601 strings). */
export interface RealtimeEventMap {
  'message:new': { conversationId: number; message: Static<typeof Message> };
  /** A message changed after it was sent: its delivery state (queued, sent, failed) through a channel. */
  'message:updated': { conversationId: number; message: Static<typeof Message> };
  'conversation:created': { conversation: Static<typeof Conversation> };
  'conversation:updated': { conversation: Static<typeof Conversation> };
  'ai:classification': { conversationId: number; messageId: number; classification: Static<typeof ClassificationSchema> };
  'ai:draft': { conversationId: number; messageId: number; draft: Static<typeof Draft> };
  /** HummDesk turned a webhook off (410 Gone, days of failures): for the account's administrators only. */
  'webhook:disabled': { webhook: Static<typeof WebhookNotice> };
  /** The customer is typing (or stopped) in a conversation: sent to the agents in its room only, never through the bus. */
  'contact:typing': { conversationId: number; typing: boolean };
}

export type RealtimeEventName = keyof RealtimeEventMap;

export interface EventEnvelope<E extends RealtimeEventName = RealtimeEventName> {
  event: E;
  data: RealtimeEventMap[E];
  accountId: number;
  /** Unique per event: a client that receives one twice (replay after a reconnect) can drop it. */
  id: string;
  timestamp: string;
}

/** Rooms a socket may be in: its account, conversations and teams of its account, itself. */
export const accountRoom = (accountId: number) => `account:${accountId}`;
export const conversationRoom = (conversationId: number) => `conversation:${conversationId}`;
export const teamRoom = (teamId: number) => `team:${teamId}`;
/** The room of a customer's channel identity, in the contacts' namespace (realtime/contact-realtime.ts). */
export const contactInboxRoom = (contactInboxId: number) => `contact-inbox:${contactInboxId}`;
export const isContactInboxRoom = (room: string) => room.startsWith('contact-inbox:');
/**
 * Where a conversation's events go besides its account: its own room and its team's, and its
 * customer's (whose sockets get the public shape of what they may see, never the event itself).
 */
export const conversationRooms = (conversation: { id: number; teamId: number | null; contactInboxId?: number | null }) => [
  conversationRoom(conversation.id),
  ...(conversation.teamId ? [teamRoom(conversation.teamId)] : []),
  ...(conversation.contactInboxId ? [contactInboxRoom(conversation.contactInboxId)] : []),
];
export const userRoom = (userId: number) => `user:${userId}`;
/**
 * The account's administrators: a socket joins it at connection by its role (a changed role
 * disconnects the socket, which reconnects under the new one); a client cannot ask to join it.
 */
export const administratorsRoom = (accountId: number) => `administrators:${accountId}`;
/** Events for the administrators' room alone: not for the account's room, nor for the event feed. */
export const ADMINISTRATOR_EVENTS: ReadonlySet<RealtimeEventName> = new Set<RealtimeEventName>(['webhook:disabled']);
