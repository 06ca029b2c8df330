/**
 * The live connection: one Socket.IO client per session, typed with the server's own event map
 * (realtime/events.ts), so a payload change there is a type error here. Events of another
 * account (there should be none) and repeats after a reconnect are dropped. When the person's
 * access ends or changes, the server says why (`auth:revoked`) and closes the socket a moment later.
 */
import { defineStore } from 'pinia';
import { io, type Socket } from 'socket.io-client';
import { ref } from 'vue';
import type { AccessChangeReason } from '../../../server/src/realtime/access-changes';
import type { EventEnvelope, RealtimeEventMap, RealtimeEventName } from '../../../server/src/realtime/events';
import { useSession } from './session';

/** What arrives over the wire: the server's payload types with their dates as ISO strings. */
type Wire<T> = T extends Date ? string : T extends (infer U)[] ? Wire<U>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;
export type Received<E extends RealtimeEventName> = Omit<EventEnvelope<E>, 'data'> & { data: Wire<RealtimeEventMap[E]> };
type Listener<E extends RealtimeEventName> = (envelope: Received<E>) => void;
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

const EVENTS: RealtimeEventName[] = [
  'message:new',
  'message:updated',
  'conversation:created',
  'conversation:updated',
  'ai:classification',
  'ai:draft',
  'contact:typing',
  'webhook:disabled',
];

export const useRealtime = defineStore('realtime', () => {
  const session = useSession();
  const state = ref<ConnectionState>('offline');
  let socket: Socket | undefined;
  let accountId: number | undefined;
  const seen = new Set<string>();
  const listeners = new Map<RealtimeEventName, Set<Listener<RealtimeEventName>>>();
  /** Called after a reconnect: views reload what they show, since events may have been missed. */
  const resyncs = new Set<() => void>();
  /** Rooms a view asked for besides the account's (the conversation it shows), joined again on a new connection. */
  const rooms = new Set<string>();

  function deliver(envelope: Received<RealtimeEventName>) {
    if (envelope.accountId !== accountId || seen.has(envelope.id)) return;
    seen.add(envelope.id);
    if (seen.size > 2_000) seen.delete(seen.values().next().value!);
    for (const listener of listeners.get(envelope.event) ?? []) listener(envelope);
  }

  /**
   * A new role keeps the token: once the server has closed the socket, a new one joins the rooms
   * the role allows, and the session learns its role. Any other reason ends the session here.
   */
  function revoked(current: Socket, reason: AccessChangeReason) {
    if (reason !== 'role_changed') return session.expire(reason);
    current.once('disconnect', () => socket === current && current.connect());
    session.load().catch(() => undefined);
  }

  return {
    state,
    connect(token: string, account: number) {
      socket?.disconnect();
      accountId = account;
      state.value = 'connecting';
      const current = io({ auth: { token }, transports: ['websocket'] });
      socket = current;
      current.on('connect', () => {
        const wasReconnect = state.value === 'reconnecting';
        state.value = 'online';
        if (current.recovered) return;
        for (const room of rooms) current.emit('join', room);
        // A change of role while no socket was connected (between the page's load and this
        // connect, or during an outage) sent its notice to nobody: read the session again.
        session.load().catch(() => undefined);
        if (wasReconnect) for (const resync of resyncs) resync();
      });
      current.on('disconnect', () => (state.value = 'reconnecting'));
      current.on('connect_error', () => (state.value = current.active ? 'reconnecting' : 'offline'));
      current.on('auth:revoked', (reason: AccessChangeReason) => revoked(current, reason));
      for (const event of EVENTS) current.on(event, deliver);
    },
    disconnect() {
      socket?.disconnect();
      socket = undefined;
      state.value = 'offline';
    },
    on<E extends RealtimeEventName>(event: E, listener: Listener<E>) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener as Listener<RealtimeEventName>);
      return () => listeners.get(event)!.delete(listener as Listener<RealtimeEventName>);
    },
    /** Hears a room's events too (a conversation's: its customer typing) while a view shows it. */
    joinRoom(room: string) {
      rooms.add(room);
      if (socket?.connected) socket.emit('join', room);
      return () => {
        rooms.delete(room);
        if (socket?.connected) socket.emit('leave', room);
      };
    },
    /** Tells the conversation's customer that the agent is typing a reply (or stopped). */
    typing(conversationId: number, typing: boolean) {
      if (socket?.connected) socket.emit('typing', { conversationId, typing });
    },
    onResync(resync: () => void) {
      resyncs.add(resync);
      return () => resyncs.delete(resync);
    },
  };
});
