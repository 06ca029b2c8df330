/**
 * HummDesk's website chat widget. A company pastes
 *   <script src="https://help.example.com/widget.js" data-inbox="<inbox identifier>" async></script>
 * into its pages; the script finds its own tag (for the server's address and the inbox), draws the
 * chat into a Shadow DOM of its own and talks to the public client API of the server it came from.
 *
 * Optional attributes: `data-identifier`, `data-identifier-hash`, `data-name`, `data-email` (a
 * signed-in user, see identity verification in the README) and `data-language`. The page can
 * also call `window.HummDesk.identify(identifier, identifierHash, {name, email})`, `.reset()`,
 * `.open()` and `.close()` once the `hummdesk:ready` event has fired.
 */
import { createChat, type Identity } from './chat.js';
import { pickLanguage, stringsFor } from './i18n.js';

export interface HummDeskApi {
  identify(identifier: string, identifierHash: string, details?: { name?: string; email?: string }): void;
  reset(): void;
  open(): void;
  close(): void;
}

declare global {
  interface Window {
    HummDesk?: HummDeskApi;
  }
}

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.inbox) return current;
  return [...document.querySelectorAll<HTMLScriptElement>('script[data-inbox]')].find((script) => /\/widget\.js([?#]|$)/.test(script.src)) ?? null;
}

function start(script: HTMLScriptElement) {
  // A second copy of the snippet on the same page must not draw a second chat.
  if (document.getElementById('hummdesk-widget')) return;
  const { inbox, identifier, identifierHash, name, email, language: chosen } = script.dataset;
  // The server's address, with any path it is served under (behind a proxy at /support/widget.js).
  const base = new URL('.', script.src).href.replace(/\/$/, '');
  const language = pickLanguage([...(chosen ? [chosen] : []), ...(navigator.languages ?? [navigator.language])]);
  const host = document.createElement('div');
  host.id = 'hummdesk-widget';
  document.body.append(host);
  const identity: Identity | null = identifier && identifierHash ? { identifier, identifierHash, name, email } : null;
  const chat = createChat({ base, inbox: inbox!, shadow: host.attachShadow({ mode: 'open' }), strings: stringsFor(language), language, identity });

  window.HummDesk = {
    identify: (id, hash, details = {}) => chat.identify({ identifier: id, identifierHash: hash, name: details.name, email: details.email }),
    reset: chat.reset,
    open: chat.open,
    close: chat.close,
  };
  window.dispatchEvent(new Event('hummdesk:ready'));
}

const script = ownScript();
if (!script?.dataset.inbox) console.error('HummDesk: the widget script needs a data-inbox attribute');
else if (document.body) start(script);
else document.addEventListener('DOMContentLoaded', () => start(script), { once: true });
