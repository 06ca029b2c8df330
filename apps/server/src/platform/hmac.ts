/**
 * The server's HMAC building blocks: a key per purpose derived from one secret (a MAC made for
 * one use is worthless for any other), and MACs compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256(secret, purpose): the key for that one purpose. */
export const deriveKey = (secret: string, purpose: string): Buffer => createHmac('sha256', secret).update(purpose).digest();

/** Whether two MACs are the same, in time that does not say where they differ; of different lengths, they are not. */
export function macEquals(a: Buffer | string, b: Buffer | string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}
