// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { stringsFor } from './i18n.js';
import { createView, type ViewHandlers } from './view.js';

const t = stringsFor('en');

function mount() {
  const host = document.createElement('div');
  document.body.replaceChildren(host);
  const shadow = host.attachShadow({ mode: 'open' });
  const on: ViewHandlers = { toggle: vi.fn(), send: vi.fn(), start: vi.fn(), typing: vi.fn(), retry: vi.fn() };
  const view = createView(shadow, t, 'en', on);
  view.configure({ name: 'Fjord Outfitters', color: '#1f6f5c', greeting: '', preChatForm: false, requireIdentity: false });
  view.mode({ kind: 'chat' });
  view.setOpen(true);
  const composer = shadow.querySelector<HTMLTextAreaElement>('.composer textarea')!;
  const type = (text: string) => {
    composer.value = text;
    composer.dispatchEvent(new Event('input'));
  };
  const key = (init: KeyboardEventInit) => composer.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));
  return { shadow, on, view, composer, type, key };
}

describe('the widget view', () => {
  beforeEach(() => vi.restoreAllMocks());

  it('sends with Enter, keeps Shift+Enter for a new line, and sends nothing blank', () => {
    const { on, composer, type, key } = mount();
    type('  Hello there  ');
    expect(on.typing).toHaveBeenCalled();
    key({ key: 'Enter', shiftKey: true });
    expect(on.send).not.toHaveBeenCalled();
    key({ key: 'Enter' });
    expect(on.send).toHaveBeenCalledWith('Hello there', []);
    expect(composer.value).toBe('');
    type('   ');
    key({ key: 'Enter' });
    expect(on.send).toHaveBeenCalledTimes(1);
  });

  it("shows a message's markup as text, its web addresses as links, and the agent's name", () => {
    const { shadow, view } = mount();
    view.showMessage({
      id: 7,
      conversationId: 1,
      content: '<img src=x onerror=alert(1)> see https://fjord.example/returns. or javascript:alert(1)',
      messageType: 'outgoing',
      createdAt: new Date().toISOString(),
      sender: { type: 'agent', name: 'Alex Admin' },
      attachments: [],
    });
    const item = shadow.querySelector('.message')!;
    expect(item.querySelector('.sender')!.textContent).toBe('Alex Admin');
    expect(item.querySelectorAll('img')).toHaveLength(0);
    expect([...item.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['https://fjord.example/returns']);
    expect(item.querySelector('.text')!.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('orders messages by id whatever order they arrive in, and shows each once', () => {
    const { shadow, view } = mount();
    const message = (id: number) => ({
      id,
      conversationId: 1,
      content: `message ${id}`,
      messageType: 'incoming' as const,
      createdAt: new Date().toISOString(),
      sender: { type: 'contact' as const, name: null },
      attachments: [],
    });
    view.showMessage(message(3));
    view.showMessage(message(1));
    view.showMessage(message(2));
    view.showMessage(message(3));
    expect([...shadow.querySelectorAll('.message .text')].map((text) => text.textContent)).toEqual(['message 1', 'message 2', 'message 3']);
  });

  it('counts unread replies on the bubble, and names them for screen readers', () => {
    const { shadow, view } = mount();
    view.setOpen(false);
    view.setUnread(2);
    const bubble = shadow.querySelector('.bubble')!;
    expect(bubble.getAttribute('aria-label')).toBe('Open chat (2 unread messages)');
    expect(shadow.querySelector('.badge')!.textContent).toBe('2');
    view.setUnread(0);
    expect(bubble.getAttribute('aria-label')).toBe('Open chat');
    expect(shadow.querySelector<HTMLElement>('.badge')!.hidden).toBe(true);
  });

  it('closes on Escape', () => {
    const { on, composer } = mount();
    composer.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(on.toggle).toHaveBeenCalledWith(false);
  });

  it('gives the focus to the pre-chat form when it appears in a panel opened while loading', () => {
    const host = document.createElement('div');
    document.body.replaceChildren(host);
    const shadow = host.attachShadow({ mode: 'open' });
    const view = createView(shadow, t, 'en', { toggle: vi.fn(), send: vi.fn(), start: vi.fn(), typing: vi.fn(), retry: vi.fn() });
    view.mode({ kind: 'loading' });
    view.setOpen(true);
    expect(shadow.activeElement?.getAttribute('aria-label')).toBe(t.closeChat);
    view.mode({ kind: 'prechat' });
    expect(shadow.activeElement).toBe(shadow.querySelector('form input'));
  });
});
