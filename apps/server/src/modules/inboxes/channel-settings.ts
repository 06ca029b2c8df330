/**
 * The settings of each channel type: their schemas (the API documents them), their defaults, and
 * the one check every write goes through. A bad value is a 422 `invalid_settings` naming the
 * field; what is stored is normalised (lower-case colour, origins as `scheme://host[:port]`), so
 * the public API and the widget can compare without parsing again.
 */
import Type, { type Static } from 'typebox';
import { UnprocessableError } from '../../platform/errors.js';
import { destinationUrlProblem } from '../../platform/outbound/http-client.js';
import type { SecretBox } from '../../platform/secret-box.js';
import { EmailSettings, mergeEmailSettings, type PresentedEmailSettings, type StoredEmailSettings } from './email-settings.js';

export type ChannelType = 'api' | 'web_widget' | 'email';

export const MAX_ALLOWED_ORIGINS = 20;
export const MAX_GREETING_LENGTH = 500;

export const WidgetSettings = Type.Object(
  {
    color: Type.String({ description: 'The bubble and header colour, `#rrggbb`' }),
    greeting: Type.String({ description: `Shown when the panel opens (up to ${MAX_GREETING_LENGTH} characters)` }),
    allowedOrigins: Type.Array(Type.String(), {
      description: `Websites that may embed the widget and call the public API from a browser, as \`https://shop.example.com\` (up to ${MAX_ALLOWED_ORIGINS}); none: no website may`,
    }),
    preChatForm: Type.Boolean({ description: 'Ask the visitor for their name and e-mail before the first message' }),
    requireIdentity: Type.Boolean({ description: 'Refuse visitors whose identity the website did not sign (identifierHash)' }),
  },
  { additionalProperties: false, title: 'WidgetSettings' },
);

export const ApiSettings = Type.Object(
  { callbackUrl: Type.Optional(Type.String({ description: "Agents' replies are POSTed here, signed with the inbox's secret; shown to administrators only" })) },
  { additionalProperties: false, title: 'ApiSettings' },
);

/** Widget first: the serializer picks the first schema that fits, and only widget settings fit it. */
export const ChannelSettings = Type.Union([WidgetSettings, ApiSettings, EmailSettings]);

export type WidgetSettings = Static<typeof WidgetSettings>;
export type ApiSettings = Static<typeof ApiSettings>;
/** As stored: an e-mail inbox's passwords sealed (email-settings.ts presents them). */
export type ChannelSettings = WidgetSettings | ApiSettings | StoredEmailSettings | Record<string, never>;
export type PresentedSettings = WidgetSettings | ApiSettings | PresentedEmailSettings | Record<string, never>;

export const WIDGET_DEFAULTS: WidgetSettings = { color: '#1f6feb', greeting: '', allowedOrigins: [], preChatForm: false, requireIdentity: false };

type Raw = Record<string, unknown>;

const invalid = (field: string, message: string) => new UnprocessableError('invalid_settings', `settings.${field} ${message}`, `body.settings.${field}`);

/** An origin as browsers send it: `https://shop.example.com`, `http://localhost:8080`. */
export function normaliseOrigin(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 300) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !/[?#]$/.test(value.trim());
  // Browsers send a host name (IDNs as punycode) or an IP address; wildcards match no Origin.
  const host = /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname);
  return (url.protocol === 'https:' || url.protocol === 'http:') && host && bare ? url.origin : null;
}

function widget(given: Raw, current: WidgetSettings): WidgetSettings {
  const next = { ...current };
  if (given.color !== undefined) {
    if (typeof given.color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(given.color)) throw invalid('color', 'must be a colour such as #1f6feb');
    next.color = given.color.toLowerCase();
  }
  if (given.greeting !== undefined) {
    if (typeof given.greeting !== 'string' || given.greeting.length > MAX_GREETING_LENGTH) {
      throw invalid('greeting', `must be text of up to ${MAX_GREETING_LENGTH} characters`);
    }
    next.greeting = given.greeting.trim();
  }
  if (given.allowedOrigins !== undefined) {
    if (!Array.isArray(given.allowedOrigins) || given.allowedOrigins.length > MAX_ALLOWED_ORIGINS) {
      throw invalid('allowedOrigins', `must be a list of up to ${MAX_ALLOWED_ORIGINS} website origins`);
    }
    const origins = given.allowedOrigins.map((value) => {
      const origin = normaliseOrigin(value);
      if (!origin) throw invalid('allowedOrigins', `has "${String(value).slice(0, 100)}", which is not an origin such as https://shop.example.com (no path)`);
      return origin;
    });
    next.allowedOrigins = [...new Set(origins)];
  }
  for (const flag of ['preChatForm', 'requireIdentity'] as const) {
    if (given[flag] === undefined) continue;
    if (typeof given[flag] !== 'boolean') throw invalid(flag, 'must be true or false');
    next[flag] = given[flag];
  }
  return next;
}

function api(given: Raw, current: ApiSettings): ApiSettings {
  if (given.callbackUrl === undefined) return current;
  // null or '' takes the callback URL away.
  if (given.callbackUrl === null || given.callbackUrl === '') return {};
  // The same rule as a webhook's URL (deliveries to both go through the outbound client).
  const value = given.callbackUrl;
  if (typeof value !== 'string') throw invalid('callbackUrl', 'must be an http(s) URL');
  const problem = destinationUrlProblem(value);
  if (problem) throw invalid('callbackUrl', problem);
  return { callbackUrl: new URL(value).toString() };
}

/** The stored settings as the channel reads them: defaults for what an older row lacks. */
export function readSettings(channelType: ChannelType, stored: Raw): ChannelSettings {
  if (channelType === 'web_widget') return { ...WIDGET_DEFAULTS, ...pick(stored, Object.keys(WIDGET_DEFAULTS)) } as WidgetSettings;
  if (channelType === 'api') return typeof stored.callbackUrl === 'string' ? { callbackUrl: stored.callbackUrl } : {};
  return typeof stored.address === 'string' ? (stored as unknown as StoredEmailSettings) : {};
}

/**
 * Settings after a write: the given fields replace the current ones (the channel's defaults when
 * the inbox is new or changes channel); unknown fields and bad values are refused. `box` seals
 * an e-mail inbox's passwords.
 */
export function mergeSettings(channelType: ChannelType, given: unknown, current: Raw = {}, box?: SecretBox): ChannelSettings {
  if (given === undefined) given = {};
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new UnprocessableError('invalid_settings', 'settings must be an object', 'body.settings');
  const raw = given as Raw;
  if (channelType === 'email') {
    if (!box) throw new Error('e-mail settings are sealed: mergeSettings needs the secret box');
    return mergeEmailSettings(raw, current, box);
  }
  const known = channelType === 'web_widget' ? Object.keys(WIDGET_DEFAULTS) : ['callbackUrl'];
  const unknown = Object.keys(raw).find((key) => !known.includes(key));
  if (unknown) throw invalid(unknown, `is not a setting of ${channelType} inboxes (they have ${known.join(', ')})`);
  const base = readSettings(channelType, current);
  return channelType === 'web_widget' ? widget(raw, base as WidgetSettings) : api(raw, base as ApiSettings);
}

function pick(source: Raw, keys: string[]): Raw {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}
