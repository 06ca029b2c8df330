/** What the inbox channel settings show: the widget's settings, the snippet to embed, and examples. */
import type { Inbox } from '../../api/client';

export type WidgetSettings = Extract<Inbox['settings'], { allowedOrigins: string[] }>;
export type ApiSettings = Exclude<Inbox['settings'], WidgetSettings>;

export const widgetSettingsOf = (inbox: Inbox) => (inbox.channelType === 'web_widget' ? (inbox.settings as WidgetSettings) : null);
export const callbackUrlOf = (inbox: Inbox) =>
  inbox.channelType === 'api' ? ((inbox.settings as ApiSettings & { callbackUrl?: string }).callbackUrl ?? '') : '';

/** The line a website pastes into its pages. */
export const embedSnippet = (identifier: string, origin = location.origin) => `<script src="${origin}/widget.js" data-inbox="${identifier}" async></script>`;

/** How a website's server signs the identity of its signed-in user (the secret never goes to the browser). */
export const identityExample = (identifier: string, origin = location.origin) =>
  [
    '// On your server, for the signed-in user:',
    "import { createHmac } from 'node:crypto';",
    "const identifierHash = createHmac('sha256', process.env.HUMMDESK_INBOX_SECRET).update(String(user.id)).digest('hex');",
    '',
    '<!-- In the page you render for them: -->',
    `<script src="${origin}/widget.js" data-inbox="${identifier}" data-identifier="\${user.id}" data-identifier-hash="\${identifierHash}" async></script>`,
  ].join('\n');

/** A company's backend creating a contact through the public client API (the API channel). */
export const apiExample = (identifier: string, origin = location.origin) =>
  [
    `curl -X POST ${origin}/api/public/inboxes/${identifier}/contacts \\`,
    '  -H \'content-type: application/json\' -d \'{"name":"Jane Doe","email":"jane@example.com"}\'',
    '# → {"contact":{"identifier":"…"},"token":"…"}: then POST …/contacts/<identifier>/conversations',
    '#   with Authorization: Bearer <token> and {"message":{"content":"Hello"}}',
  ].join('\n');

/** The allowed websites as the textarea holds them: one a line. */
export const originsFromText = (text: string) =>
  text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);
