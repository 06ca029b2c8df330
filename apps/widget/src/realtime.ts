/**
 * The visitor's live line to HummDesk: the `/contacts` Socket.IO namespace, authenticated with
 * the contact token. It brings the agents' replies, conversation changes and the agent typing,
 * and carries the visitor's typing back. WebSocket only, as the agent app: no long-polling
 * requests, so nothing but the handshake crosses origins. Socket.IO reconnects by itself; the
 * widget catches up on what it missed when the line comes back.
 */
import { io } from 'socket.io-client';
import { socketAddress } from './addresses.js';
import type { PublicConversation, PublicMessage } from './api.js';

export interface ContactEvents {
  message(message: PublicMessage): void;
  conversation(conversation: PublicConversation): void;
  typing(conversationId: number, typing: boolean, name: string): void;
  /** Connected (again): `true`; lost: `false`. */
  online(online: boolean): void;
  /**
   * The server refused the line at its handshake (`open` false) or ended an open one (`open`
   * true: the contact was deleted, or the inbox's settings changed and the line must be checked
   * again); the HTTP API tells whether the session itself is over.
   */
  refused(open: boolean): void;
}

export function connectContact(base: string, inbox: string, token: string, on: ContactEvents) {
  const { uri, path } = socketAddress(base, '/contacts');
  const socket = io(uri, { path, auth: { inbox, token }, transports: ['websocket'] });
  socket.on('message:new', (event: { message: PublicMessage }) => on.message(event.message));
  socket.on('conversation:updated', (event: { conversation: PublicConversation }) => on.conversation(event.conversation));
  socket.on('typing', (event: { conversationId: number; typing: boolean; name: string }) => on.typing(event.conversationId, event.typing, event.name));
  socket.on('connect', () => on.online(true));
  // Closed by the widget itself: nothing to tell. Closed by the server: not retried, like a refused handshake.
  socket.on('disconnect', (reason) => (reason === 'io server disconnect' ? on.refused(true) : reason !== 'io client disconnect' && on.online(false)));
  // A handshake the server refused is not retried by Socket.IO (the socket is no longer active); a network failure is.
  socket.on('connect_error', () => (socket.active ? on.online(false) : on.refused(false)));

  return {
    /** Dropped when the line is down: a late "is typing" would be wrong. */
    typing: (conversationId: number, typing: boolean) => socket.volatile.emit('typing', { conversationId, typing }),
    close: () => socket.disconnect(),
  };
}
