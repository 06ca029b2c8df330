/**
 * The queue monitor's credential for the server's event stream: an HMAC of a timestamp with
 * the JWT secret, which only someone with the server's secret (its operator) can compute.
 */
import { createHmac } from 'node:crypto';
import { macEquals } from '../hmac.js';

const MAX_SKEW_MS = 60_000;

export function monitorCredential(secret: string, now = Date.now()): string {
  return `${now}.${createHmac('sha256', secret).update(`queue-monitor:${now}`).digest('base64url')}`;
}

export function verifyMonitorCredential(secret: string, credential: string | undefined, now = Date.now()): boolean {
  const [time, mac] = credential?.split('.') ?? [];
  const at = Number(time);
  if (!mac || !Number.isSafeInteger(at) || Math.abs(now - at) > MAX_SKEW_MS) return false;
  return macEquals(monitorCredential(secret, at).split('.')[1]!, mac);
}
