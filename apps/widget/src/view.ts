/**
 * What the visitor sees, built once into the Shadow DOM and changed in place: the bubble with its
 * unread badge, and the panel (header with the greeting, the conversation, the pre-chat form, a
 * notice line for errors, the composer). It knows nothing of the API: the chat (chat.ts) tells it
 * what to show and hears what the visitor does through `ViewHandlers`.
 *
 * Accessibility: every button has a name, the panel is a labelled dialog that takes the focus
 * when it opens and gives it back to the bubble when Escape closes it, new messages are announced
 * (role="log"), and errors are alerts.
 */
import type { PublicAttachment, PublicMessage, WidgetConfig } from './api.js';
import { h, icon, linkified } from './dom.js';
import type { Strings } from './i18n.js';
import { CHAT, CHEVRON_DOWN, CLIP, CROSS, FILE, OFF, SEND } from './icons.js';
import { accentOf, STYLES, textOn } from './styles.js';

export interface ViewHandlers {
  toggle(open: boolean): void;
  send(content: string, files: File[]): void;
  start(details: { name: string; email: string; content: string }): void;
  typing(): void;
  retry(): void;
}

/** What the panel's body shows: nothing yet, the pre-chat form, the chat, or why there is no chat. */
export type Mode = { kind: 'loading' } | { kind: 'prechat' } | { kind: 'chat' } | { kind: 'closed'; text: string; retry: boolean };

const SENDABLE = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];
const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp)$/;

export function createView(shadow: ShadowRoot, t: Strings, language: string, on: ViewHandlers) {
  let files: File[] = [];
  const items = new Map<string, HTMLLIElement>();
  const time = (iso: string) => {
    const date = new Date(iso);
    const today = date.toDateString() === new Date().toDateString();
    return new Intl.DateTimeFormat(
      language,
      today ? { hour: 'numeric', minute: '2-digit' } : { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' },
    ).format(date);
  };

  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const bubble = h(
    'button',
    {
      class: 'bubble',
      type: 'button',
      'aria-expanded': 'false',
      'aria-controls': 'hummdesk-panel',
      'aria-label': t.openChat,
      onclick: () => on.toggle(!isOpen()),
    },
    h('span', { class: 'when-closed icon', 'aria-hidden': 'true' }, icon(CHAT)),
    h('span', { class: 'when-open icon', 'aria-hidden': 'true' }, icon(CHEVRON_DOWN)),
    badge,
  );

  const title = h('h2', { id: 'hummdesk-title' });
  const greeting = h('p', { class: 'greeting' }, t.greeting);
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const close = h('button', { class: 'close', type: 'button', 'aria-label': t.closeChat, onclick: () => on.toggle(false) }, icon(CHEVRON_DOWN));

  const list = h('ol', { class: 'messages' });
  const log = h('div', { role: 'log', 'aria-live': 'polite', 'aria-label': t.messages }, list);
  const typingText = h('span');
  const typing = h('div', { class: 'typing', hidden: true }, h('span', { class: 'dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')), typingText);
  // Always in the page, so that the indicator appearing inside it is announced.
  const typingRegion = h('div', { 'aria-live': 'polite' }, typing);

  const nameInput = h('input', { name: 'name', autocomplete: 'name', maxlength: 200 });
  const emailInput = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 254 });
  const firstMessage = h('textarea', { name: 'message', required: true, rows: 3, maxlength: 10000 });
  const startButton = h('button', { class: 'primary', type: 'submit' }, t.start);
  const prechat = h(
    'form',
    {
      class: 'card',
      hidden: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const content = firstMessage.value.trim();
        if (!content) return firstMessage.focus();
        on.start({ name: nameInput.value.trim(), email: emailInput.value.trim(), content });
      },
    },
    h('p', {}, t.prechatIntro),
    h('label', {}, t.name, nameInput),
    h('label', {}, t.email, emailInput),
    h('label', {}, t.firstMessage, firstMessage),
    startButton,
  );

  const stateText = h('p', {});
  const stateRetry = h('button', { class: 'primary', type: 'button', onclick: () => on.retry() }, t.retry);
  const state = h('div', { class: 'state', hidden: true }, icon(OFF), stateText, stateRetry);
  const body = h('div', { class: 'body' }, log, typingRegion, prechat, state);

  const notice = h('div', { class: 'notice', role: 'alert', hidden: true });

  const chips = h('div', { class: 'chips', hidden: true });
  const picker = h('input', { type: 'file', multiple: true, accept: SENDABLE.join(','), hidden: true, tabindex: -1, onchange: () => addFiles() });
  const input = h('textarea', {
    rows: 1,
    maxlength: 10000,
    placeholder: t.placeholder,
    'aria-label': t.placeholder,
    oninput: () => {
      grow();
      updateSend();
      if (input.value) on.typing();
    },
    onkeydown: (event: Event) => {
      const key = event as KeyboardEvent;
      if (key.key === 'Enter' && !key.shiftKey && !key.isComposing) {
        key.preventDefault();
        submit();
      }
    },
  });
  const send = h('button', { class: 'tool send', type: 'submit', 'aria-label': t.send, disabled: true }, icon(SEND));
  const composer = h(
    'form',
    {
      class: 'composer',
      hidden: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        submit();
      },
    },
    chips,
    h(
      'div',
      { class: 'row' },
      h('button', { class: 'tool', type: 'button', 'aria-label': t.attach, onclick: () => picker.click() }, icon(CLIP)),
      input,
      send,
      picker,
    ),
    h('p', { class: 'brand' }, 'Powered by ', h('b', {}, 'HummDesk')),
  );

  const panel = h(
    'section',
    {
      id: 'hummdesk-panel',
      class: 'panel',
      role: 'dialog',
      'aria-labelledby': 'hummdesk-title',
      hidden: true,
      onkeydown: (event: Event) => {
        if ((event as KeyboardEvent).key === 'Escape') on.toggle(false);
      },
    },
    h('header', {}, avatar, h('div', { class: 'heading' }, title, greeting), close),
    body,
    notice,
    composer,
  );
  const root = h('div', { class: 'root', lang: language }, panel, bubble);

  try {
    // A constructed sheet where the browser has them; a <style> element in the shadow root otherwise.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(h('style', {}, STYLES));
  }
  shadow.append(root);

  const isOpen = () => !panel.hidden;
  const nearBottom = () => body.scrollHeight - body.scrollTop - body.clientHeight < 96;
  const toBottom = () => (body.scrollTop = body.scrollHeight);
  function grow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }
  function updateSend() {
    send.disabled = !input.value.trim() && files.length === 0;
  }
  function submit() {
    const content = input.value.trim();
    if (!content && files.length === 0) return;
    on.send(content, files);
    input.value = '';
    files = [];
    renderChips();
    grow();
    updateSend();
  }
  function addFiles() {
    const chosen = [...(picker.files ?? [])];
    picker.value = '';
    const refused = chosen.filter((file) => !SENDABLE.includes(file.type));
    files = [...files, ...chosen.filter((file) => SENDABLE.includes(file.type))];
    showNotice(refused.length > 0 ? t.fileType : null);
    renderChips();
    updateSend();
    input.focus();
  }
  function renderChips() {
    chips.replaceChildren(
      ...files.map((file) =>
        h(
          'span',
          { class: 'chip' },
          h('span', {}, file.name),
          h(
            'button',
            {
              type: 'button',
              'aria-label': t.removeFile(file.name),
              onclick: () => {
                files = files.filter((kept) => kept !== file);
                renderChips();
                updateSend();
                input.focus();
              },
            },
            icon(CROSS),
          ),
        ),
      ),
    );
    chips.hidden = files.length === 0;
  }

  /** Puts an item where its order says (message ids grow with time; unsent ones go last). */
  function place(key: string, item: HTMLLIElement, order: number) {
    const stick = nearBottom() || order === Infinity;
    item.dataset.order = String(order);
    items.get(key)?.remove();
    items.set(key, item);
    const after = [...list.children].find((other) => Number((other as HTMLElement).dataset.order) > order);
    list.insertBefore(item, after ?? null);
    if (stick) toBottom();
  }

  function attachment(file: PublicAttachment) {
    if (INLINE_IMAGE.test(file.contentType)) {
      const image = h('img', { src: file.url, alt: file.fileName, loading: 'lazy' });
      // An image grows the thread when it arrives: keep the newest message in view.
      image.addEventListener('load', () => nearBottom() && toBottom(), { once: true });
      return h('a', { href: file.url, target: '_blank', rel: 'noopener noreferrer' }, image);
    }
    const size = file.size < 1024 * 1024 ? `${Math.max(1, Math.round(file.size / 1024))} KB` : `${(file.size / 1024 / 1024).toFixed(1)} MB`;
    return h(
      'a',
      { class: 'file', href: file.url, target: '_blank', rel: 'noopener noreferrer' },
      icon(FILE),
      h('span', {}, file.fileName),
      h('small', {}, size),
    );
  }

  /** The visitor's own messages (no sender) on the right; an agent's on the left, with their initials and name. */
  function messageItem(sender: string | null, content: string, files: Node[], at: string | null) {
    const stack = h(
      'div',
      { class: 'stack' },
      sender && h('span', { class: 'sender' }, sender),
      content ? h('div', { class: 'text' }, ...linkified(content)) : null,
      files.length > 0 && h('div', { class: 'files' }, ...files),
      at && h('time', { class: 'time', datetime: at }, time(at)),
    );
    if (sender === null) return h('li', { class: 'message mine' }, stack);
    const initials = sender
      .split(/\s+/)
      .slice(0, 2)
      .map((word) => word.charAt(0).toUpperCase())
      .join('');
    return h('li', { class: 'message' }, h('span', { class: 'initials', 'aria-hidden': 'true' }, initials), stack);
  }

  /** A line above the composer saying why something failed (null: all is well again). */
  function showNotice(text: string | null) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  /** Where the focus goes in the open panel: the form's first field, the composer, or else the close button. */
  function firstField(): HTMLElement {
    if (!prechat.hidden) return prechat.querySelector<HTMLElement>('input') ?? close;
    return composer.hidden ? close : input;
  }

  return {
    configure(config: WidgetConfig) {
      const accent = accentOf(config.color);
      root.style.setProperty('--accent', accent);
      root.style.setProperty('--on-accent', textOn(accent));
      title.textContent = config.name;
      avatar.textContent = config.name.trim().charAt(0).toUpperCase();
      greeting.textContent = config.greeting?.trim() || t.greeting;
    },

    mode(mode: Mode) {
      // The form is done: the focus goes on to the composer rather than back to the page.
      const focusComposer = mode.kind === 'chat' && prechat.contains(shadow.activeElement);
      // Opened while still loading, the panel could only focus its close button: the first field takes it once it is there.
      const focusFirst = !panel.hidden && shadow.activeElement === close;
      prechat.hidden = mode.kind !== 'prechat';
      composer.hidden = mode.kind !== 'chat';
      state.hidden = mode.kind !== 'closed';
      log.hidden = mode.kind === 'closed';
      if (mode.kind === 'closed') {
        stateText.textContent = mode.text;
        stateRetry.hidden = !mode.retry;
        typing.hidden = true;
      }
      startButton.disabled = false;
      if (focusComposer) input.focus();
      else if (focusFirst) firstField().focus();
    },

    /** Opens or closes the panel; the focus goes into it, and back to the bubble. */
    setOpen(open: boolean) {
      const hadFocus = shadow.activeElement !== null && panel.contains(shadow.activeElement);
      panel.hidden = !open;
      bubble.setAttribute('aria-expanded', String(open));
      bubble.setAttribute('aria-label', open ? t.closeChat : t.openChat);
      if (open) {
        toBottom();
        firstField().focus();
      } else if (hadFocus) bubble.focus();
    },

    setUnread(count: number) {
      badge.textContent = count > 9 ? '9+' : String(count);
      badge.hidden = count === 0;
      if (panel.hidden) bubble.setAttribute('aria-label', count > 0 ? `${t.openChat} (${t.unread(count)})` : t.openChat);
    },

    /** Shows a message, or updates it if it is shown already. */
    showMessage(message: PublicMessage) {
      const sender = message.messageType === 'incoming' ? null : message.sender.name || t.agent;
      place(`m${message.id}`, messageItem(sender, message.content, message.attachments.map(attachment), message.createdAt), message.id);
    },

    /** The visitor's message while it is on its way: `done()` takes it away (the stored one replaces it). */
    showPending(content: string, files: readonly File[]) {
      const key = `p${Math.random()}`;
      const item = messageItem(
        null,
        content,
        files.map((file) => h('span', { class: 'file' }, icon(FILE), h('span', {}, file.name))),
        null,
      );
      item.classList.add('pending');
      place(key, item, Infinity);
      return {
        done() {
          item.remove();
          items.delete(key);
        },
      };
    },

    /** A line under a resolved conversation's last message. */
    showResolved(conversationId: number, lastMessageId: number) {
      place(`r${conversationId}`, h('li', { class: 'divider' }, t.resolved), lastMessageId + 0.5);
    },

    clearMessages() {
      list.replaceChildren();
      items.clear();
    },

    /** The agent typing (a name) or not (null). */
    setTyping(name: string | null) {
      const stick = nearBottom();
      typing.hidden = name === null;
      typingText.textContent = name === null ? '' : t.typing(name);
      if (stick) toBottom();
    },

    showNotice,

    /** What the visitor wrote comes back into the composer when it could not be sent. */
    restore(content: string, returned: File[]) {
      if (!input.value) input.value = content;
      files = [...returned, ...files];
      renderChips();
      grow();
      updateSend();
    },

    prechatBusy(busy: boolean) {
      startButton.disabled = busy;
    },

    isOpen,
  };
}

export type View = ReturnType<typeof createView>;
