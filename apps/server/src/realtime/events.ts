/**
 * The realtime contract: event names and their payloads, shared with the web app. Every event
 * reaches clients as an envelope `{event, data, accountId, id, timestamp}` under its name.
 */
import type { Static } from 'typebox';
import type { Classification as ClassificationSchema, Draft } from '../modules/ai/ai.schema.js';
import type { Conversation, Message } from '../modules/conversations/conversations.schema.js';

/** Payloads are the API's own resources (timestamps arrive as ISO 8601 strings). */
export interface RealtimeEventMap {
  'message:new': { conversationId: number; message: Static<typeof Message> };
  'conversation:created': { conversation: Static<typeof Conversation> };
  'conversation:updated': { conversation: Static<typeof Conversation> };
  'ai:classification': { conversationId: number; messageId: number; classification: Static<typeof ClassificationSchema> };
  'ai:draft': { conversationId: number; messageId: number; draft: Static<typeof Draft> };
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
/** Where a conversation's events go besides its account: its own room and its team's. */
export const conversationRooms = (conversation: { id: number; teamId: number | null }) => [
  conversationRoom(conversation.id),
  ...(conversation.teamId ? [teamRoom(conversation.teamId)] : []),
];
export const userRoom = (userId: number) => `user:${userId}`;
