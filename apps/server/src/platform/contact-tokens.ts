/**
 * Contact tokens: what a website visitor (or an API-channel user) holds to act as one contact of
 * one inbox through the public client API and the contact socket. An HS256 JWT, signed with a key
 * derived from the app's JWT secret for this one purpose, so an agent's session token can never
 * pass as a contact token or the other way round (the `typ` claim says the same to a reader).
 * Long-lived (a year), like Chatwoot's: the widget keeps it in the browser's localStorage.
 */
import { createHmac } from 'node:crypto';
import { AppError } from './errors.js';
import { deriveKey, macEquals } from './hmac.js';

export interface ContactClaims {
  accountId: number;
  inboxId: number;
  /** contact_inboxes.id */
  contactInboxId: number;
  /** contact_inboxes.source_id: the contact identifier of the public API's paths. */
  sourceId: string;
}

export class InvalidContactTokenError extends AppError {
  constructor(message = 'The contact token is invalid or has expired; create the contact again') {
    super(401, 'invalid_contact_token', message);
  }
}

const CONTACT_TOKEN_TTL_SECONDS = 365 * 86_400;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const MAX_TOKEN_LENGTH = 2_048;

interface WireClaims {
  typ: 'contact';
  acc: number;
  inb: number;
  ci: number;
  sub: string;
  iat: number;
  exp: number;
}

export function createContactTokens(jwtSecret: string, ttlSeconds = CONTACT_TOKEN_TTL_SECONDS) {
  const key = deriveKey(jwtSecret, 'contact-tokens');
  const signature = (input: string) => createHmac('sha256', key).update(input).digest();

  return {
    sign(claims: ContactClaims): string {
      const now = Math.floor(Date.now() / 1000);
      const wire: WireClaims = {
        typ: 'contact',
        acc: claims.accountId,
        inb: claims.inboxId,
        ci: claims.contactInboxId,
        sub: claims.sourceId,
        iat: now,
        exp: now + ttlSeconds,
      };
      const unsigned = `${HEADER}.${Buffer.from(JSON.stringify(wire)).toString('base64url')}`;
      return `${unsigned}.${signature(unsigned).toString('base64url')}`;
    },

    /** The token's claims; a forged, altered, expired or malformed token is a 401 `invalid_contact_token`. */
    verify(token: string): ContactClaims {
      const parts = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
      if (parts.length !== 3 || parts[0] !== HEADER) throw new InvalidContactTokenError();
      if (!macEquals(Buffer.from(parts[2]!, 'base64url'), signature(`${parts[0]}.${parts[1]}`))) throw new InvalidContactTokenError();
      let wire: Partial<WireClaims>;
      try {
        wire = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Partial<WireClaims>;
      } catch {
        throw new InvalidContactTokenError();
      }
      const ids = [wire.acc, wire.inb, wire.ci];
      if (wire.typ !== 'contact' || !ids.every((id) => Number.isSafeInteger(id) && id! > 0) || typeof wire.sub !== 'string' || typeof wire.exp !== 'number') {
        throw new InvalidContactTokenError();
      }
      if (wire.exp * 1000 <= Date.now()) throw new InvalidContactTokenError('The contact token has expired; create the contact again');
      return { accountId: wire.acc!, inboxId: wire.inb!, contactInboxId: wire.ci!, sourceId: wire.sub };
    },
  };
}

export type ContactTokens = ReturnType<typeof createContactTokens>;
