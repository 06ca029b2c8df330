/**
 * The visitor's contact token and identifier, kept in the host page's localStorage under one key
 * per inbox, so the same browser finds its conversations again after a reload. `identifier` is
 * the company's id of a signed-in user the session was opened for (identity verification): a
 * different user on the same browser does not get it. Storage may be refused (a sandboxed frame,
 * a private window): the chat then lasts as long as the page.
 */
import type { ContactSession } from './api.js';

export interface StoredSession extends ContactSession {
  identifier?: string;
}

export function createSessionStore(inbox: string) {
  const key = `hummdesk:${inbox}`;
  return {
    load(): StoredSession | null {
      try {
        const stored = JSON.parse(localStorage.getItem(key) ?? 'null') as Partial<StoredSession> | null;
        return stored && typeof stored.contact === 'string' && typeof stored.token === 'string' ? (stored as StoredSession) : null;
      } catch {
        return null;
      }
    },
    save(session: StoredSession) {
      try {
        localStorage.setItem(key, JSON.stringify(session));
      } catch {
        // Kept for this page only.
      }
    },
    clear() {
      try {
        localStorage.removeItem(key);
      } catch {
        // Nothing was kept.
      }
    },
  };
}
