/**
 * The chat behind the view: the inbox's settings, the visitor's contact session (kept per inbox
 * in localStorage), their recent conversations, sending, the live line and the unread count.
 *
 * A visitor becomes a contact with their first message (or at once when the host page vouches for
 * a signed-in user). Messages go to their latest conversation (the server reopens it if it was
 * resolved). Work that swaps the session (start, identify, reset) runs one at a
 * time, so a host page calling `identify` while the widget starts cannot mix two visitors.
 */
import { ApiError, createPublicApi, type ContactInput, type PublicConversation, type PublicMessage, type WidgetConfig } from './api.js';
import type { Strings } from './i18n.js';
import { serverUrl } from './addresses.js';
import { connectContact } from './realtime.js';
import { createSessionStore, type StoredSession } from './session.js';
import { createTypingSignal } from './typing.js';
import { createView } from './view.js';

/** A signed-in user of the host site, vouched for with `identifierHash` = HMAC-SHA256(inbox secret, identifier). */
export interface Identity {
  identifier: string;
  identifierHash: string;
  name?: string | undefined;
  email?: string | undefined;
}

export interface ChatOptions {
  base: string;
  inbox: string;
  shadow: ShadowRoot;
  strings: Strings;
  language: string;
  identity: Identity | null;
}

/** How many of the visitor's latest conversations are shown after a reload. */
const HISTORY = 3;
/** An agent's "is typing" ends after this long if its end never arrives. */
const AGENT_TYPING_MAX_MS = 10_000;

export function createChat({ base, inbox, shadow, strings: t, language, identity: givenIdentity }: ChatOptions) {
  const api = createPublicApi(base, inbox);
  const store = createSessionStore(inbox);
  let identity = givenIdentity;
  let config: WidgetConfig | null = null;
  let session: StoredSession | null = null;
  let line: ReturnType<typeof connectContact> | null = null;
  let latest: PublicConversation | null = null;
  const lastMessageOf = new Map<number, number>();
  const shown = new Set<number>();
  let unread = 0;
  /** The history loads when the visitor first opens the panel: a page view without the chat costs one request. */
  let opened = false;
  const visitorTypingSignal = createTypingSignal((conversationId, typing) => line?.typing(conversationId, typing));
  let agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  let queue = Promise.resolve();
  function serially(work: () => Promise<void>) {
    queue = queue.then(work).catch(failed);
  }

  const view = createView(shadow, t, language, {
    toggle,
    send,
    start: (details) =>
      serially(async () => {
        view.prechatBusy(true);
        try {
          await openSession({ name: details.name, email: details.email });
          view.mode({ kind: 'chat' });
          send(details.content, []);
        } finally {
          view.prechatBusy(false);
        }
      }),
    typing: visitorTyping,
    retry: () => serially(boot),
  });

  function toggle(open: boolean) {
    view.setOpen(open);
    if (open && unread > 0) {
      unread = 0;
      view.setUnread(0);
    }
    if (open && !opened) {
      opened = true;
      serially(catchUp);
    }
  }

  /** Why a request failed, in the visitor's words. */
  function problem(error: unknown): string {
    if (!(error instanceof ApiError)) return t.failed;
    if (error.status === 0) return t.offline;
    if (error.status === 429) return t.rateLimited;
    if (error.code === 'attachment_too_large') return t.tooLarge;
    if (error.code === 'too_many_attachments') return t.tooMany;
    if (error.code === 'unsupported_attachment') return t.fileType;
    if (error.code === 'identity_required' || error.code === 'invalid_identifier_hash') return t.signIn;
    return t.failed;
  }

  function failed(error: unknown) {
    view.showNotice(problem(error));
  }

  /** The inbox's settings, then the visitor's session and its live line (unread replies count on the bubble). */
  async function boot() {
    view.mode({ kind: 'loading' });
    view.showNotice(null);
    try {
      config = await api.config();
    } catch (error) {
      // No such inbox: trying again will not help. Unreachable, or refused to this website (the browser hides which): it may.
      return view.mode({ kind: 'closed', text: t.unavailable, retry: !(error instanceof ApiError && error.status === 404) });
    }
    view.configure(config);
    await resume();
  }

  async function resume() {
    session = store.load();
    // A session opened for another signed-in user of this browser is not this visitor's.
    if (session && identity && session.identifier !== identity.identifier) dropSession();
    if (config?.requireIdentity && !identity) return view.mode({ kind: 'closed', text: t.signIn, retry: false });
    if (!session && identity) {
      try {
        await openSession({});
      } catch (error) {
        // The site's signature did not verify: no chat under a name nobody vouched for.
        if (error instanceof ApiError && error.status === 401) return view.mode({ kind: 'closed', text: t.signIn, retry: false });
        throw error;
      }
    }
    if (!session) return view.mode({ kind: config?.preChatForm ? 'prechat' : 'chat' });
    view.mode({ kind: 'chat' });
    connect();
    if (opened) await catchUp();
  }

  /** The visitor as a contact of this inbox (the signed-in user's own, when the page vouches for one). */
  async function openSession(details: ContactInput) {
    const input: ContactInput = identity ? { ...details, ...identity } : details;
    const fields = Object.fromEntries(Object.entries(input).filter(([, value]) => typeof value === 'string' && value !== '')) as ContactInput;
    const created = await api.createContact(fields);
    session = identity ? { ...created, identifier: identity.identifier } : created;
    store.save(session);
    connect();
  }

  function dropSession() {
    store.clear();
    session = null;
    latest = null;
    line?.close();
    line = null;
    lastMessageOf.clear();
    shown.clear();
    view.clearMessages();
  }

  /** The latest conversations and their messages: when the panel first opens, and after the line was down. */
  async function catchUp() {
    if (!session) return;
    let conversations: PublicConversation[];
    try {
      conversations = await api.conversations(session);
    } catch (error) {
      // The session is over (its contact is gone, or the inbox now wants signed identities): start as a new visitor.
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
        dropSession();
        return resume();
      }
      throw error;
    }
    const recent = conversations.sort((a, b) => a.id - b.id).slice(-HISTORY);
    const pages = await Promise.all(recent.map((conversation) => api.messages(session!, conversation.id)));
    pages.forEach((messages) => messages.forEach((message) => show(message, false)));
    recent.forEach(updateConversation);
  }

  function connect() {
    if (line || !session) return;
    let wasDown = false;
    line = connectContact(base, inbox, session.token, {
      message: (message) => show(message, true),
      conversation: updateConversation,
      typing: (conversationId, typing, name) => {
        if (conversationId !== latest?.id) return;
        clearTimeout(agentTypingTimer);
        view.setTyping(typing ? name || t.agent : null);
        if (typing) agentTypingTimer = setTimeout(() => view.setTyping(null), AGENT_TYPING_MAX_MS);
      },
      online: (online) => {
        view.showNotice(online ? null : t.offline);
        if (online && wasDown && opened) serially(catchUp);
        wasDown = !online;
      },
      // The HTTP API tells whether the session itself is over; a line the server ended while open
      // (new inbox settings) is opened once more, and a refusal of that one is final.
      refused: (open) => {
        line?.close();
        line = null;
        serially(async () => {
          await catchUp();
          if (open) connect();
        });
      },
    });
  }

  /** Shows a message once; a reply that arrives live while the panel is closed counts as unread. */
  function show(message: PublicMessage, live: boolean) {
    const isNew = !shown.has(message.id);
    shown.add(message.id);
    // Attachment addresses are the server's paths: on the company's page they must name the server.
    view.showMessage({ ...message, attachments: message.attachments.map((file) => ({ ...file, url: serverUrl(base, file.url) })) });
    lastMessageOf.set(message.conversationId, Math.max(message.id, lastMessageOf.get(message.conversationId) ?? 0));
    if (message.messageType !== 'outgoing') return;
    view.setTyping(null);
    if (live && isNew && !view.isOpen()) view.setUnread(++unread);
  }

  function updateConversation(conversation: PublicConversation) {
    if (!latest || conversation.id >= latest.id) latest = conversation;
    const last = lastMessageOf.get(conversation.id);
    if (conversation.status === 'resolved' && last !== undefined) view.showResolved(conversation.id, last);
  }

  /** Shown at once as on its way; sent after what was written before it, into one conversation. */
  function send(content: string, files: File[]) {
    visitorTypingSignal.stop();
    const pending = view.showPending(content, files);
    serially(async () => {
      try {
        if (!session) await openSession({});
        latest ??= await api.createConversation(session!);
        const message = await api.sendMessage(session!, latest.id, content, files);
        pending.done();
        show(message, false);
        view.showNotice(null);
      } catch (error) {
        pending.done();
        // A token that no longer opens anything: the next try starts as a new visitor.
        if (error instanceof ApiError && error.code === 'invalid_contact_token') dropSession();
        view.restore(content, files);
        failed(error);
      }
    });
  }

  function visitorTyping() {
    if (line && latest) visitorTypingSignal.input(latest.id);
  }

  serially(boot);

  return {
    open: () => toggle(true),
    close: () => toggle(false),
    /** A signed-in user of the host site: their own conversations, on any device. */
    identify: (next: Identity) =>
      serially(async () => {
        identity = next;
        if (!config) return boot();
        if (session?.identifier !== next.identifier) dropSession();
        await resume();
      }),
    /** The host site's user signed out: this browser forgets their conversations. */
    reset: () =>
      serially(async () => {
        identity = null;
        dropSession();
        if (config) await resume();
      }),
  };
}
