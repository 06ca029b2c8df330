/**
 * The signature of what HummDesk sends out (webhook deliveries, API-channel callbacks), on
 * Stripe's model: `X-HummDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signing the timestamp with the body lets a receiver refuse a captured request replayed later;
 * a receiver that rotates secrets may find several `v1` values and accepts any that matches.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { macEquals } from '../hmac.js';

export const SIGNATURE_HEADER = 'X-HummDesk-Signature';
/** How far a signature's timestamp may be from the receiver's clock by default (Stripe's five minutes). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, rawBody: string | Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');

/** The header value for `rawBody`, signed now (or at `timestamp`, in unix seconds). */
export function sign(secret: string, rawBody: string | Buffer, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, rawBody)}`;
}

/**
 * Whether `header` is a valid signature of `rawBody` (the bytes received, before any JSON parsing)
 * made with `secret` within `toleranceSeconds` of now. A wrong, malformed, too old or future
 * signature is refused; signatures are compared in constant time.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  rawBody: string | Buffer,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = Date.now() }: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!header || header.length > 2_000) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, rawBody), 'hex');
  // Every candidate is compared (no early exit), so timing says nothing about which matched.
  return candidates.reduce((matched, candidate) => macEquals(expected, Buffer.from(candidate, 'hex')) || matched, false);
}

/** A new signing secret, shown to administrators: `whsec_` and 32 random bytes. */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
