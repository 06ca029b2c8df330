/**
 * The server's one event bus. Services publish domain events after the transaction that caused
 * them has committed (never from inside it, so a rolled-back change is never announced); the
 * realtime layer delivers them to the rooms they name.
 */
import { randomUUID } from 'node:crypto';
import { accountRoom, ADMINISTRATOR_EVENTS, administratorsRoom, type EventEnvelope, type RealtimeEventMap, type RealtimeEventName } from './events.js';

export interface PublishedEvent {
  envelope: EventEnvelope;
  /**
   * The account's room and possibly more specific ones (conversation, team); an administrators'
   * event goes to the administrators' room alone.
   */
  rooms: string[];
}

/** Whether every agent of the account hears the event (and the account's event feed carries it). */
export const isAccountWide = ({ envelope, rooms }: PublishedEvent) => rooms.includes(accountRoom(envelope.accountId));

export type EventListener = (published: PublishedEvent) => void;

export interface EventBus {
  publish<E extends RealtimeEventName>(accountId: number, event: E, data: RealtimeEventMap[E], rooms?: string[]): void;
  subscribe(listener: EventListener): () => void;
}

export function createEventBus(onListenerError: (error: unknown) => void = () => undefined): EventBus {
  const listeners = new Set<EventListener>();
  return {
    publish(accountId, event, data, rooms = []) {
      const envelope = { event, data, accountId, id: randomUUID(), timestamp: new Date().toISOString() } as EventEnvelope;
      const published = { envelope, rooms: ADMINISTRATOR_EVENTS.has(event) ? [administratorsRoom(accountId)] : [accountRoom(accountId), ...rooms] };
      for (const listener of listeners) {
        // A failing listener must not fail the request that published the event.
        try {
          listener(published);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
