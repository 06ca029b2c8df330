/**
 * Ending contacts' open sockets when what let them in changes: a contact deleted (GDPR erasure),
 * an inbox deleted or its settings changed (allowed websites, required identities). A socket is
 * checked once, at its handshake; these changes disconnect the sockets concerned, through the
 * Socket.IO adapter on every replica, and a client that connects again is checked anew.
 */
import type { ContactNamespace } from './contact-delivery.js';

/** Rooms of the `/contacts` namespace every contact socket joins besides its contact inbox's. */
export const contactSocketRooms = (scope: { contactId: number; inboxId: number }) => [contactRoom(scope.contactId), inboxContactsRoom(scope.inboxId)];
const contactRoom = (contactId: number) => `contact:${contactId}`;
const inboxContactsRoom = (inboxId: number) => `inbox:${inboxId}`;

export interface ContactSockets {
  /** The contact was deleted: their sockets end. */
  endContact(contactId: number): void;
  /** The inbox was deleted or its settings changed: its contacts' sockets end (and are checked again if they reconnect). */
  endInbox(inboxId: number): void;
}

export function createContactSockets(contacts: Pick<ContactNamespace, 'in'>): ContactSockets {
  return {
    endContact: (contactId) => contacts.in(contactRoom(contactId)).disconnectSockets(),
    endInbox: (inboxId) => contacts.in(inboxContactsRoom(inboxId)).disconnectSockets(),
  };
}
