import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newSigningSecret, sign, verifySignature } from './signature.js';

const secret = 'whsec_test-secret';
const body = '{"id":"d1","event":"message.created","data":{"text":"hi ✓"}}';
const now = Date.UTC(2026, 10, 26, 9, 0, 0);
const t = Math.floor(now / 1000);

describe('delivery signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256, as the README shows a receiver checking it', () => {
    const header = sign(secret, body, t);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(verifySignature(secret, header, body, { now })).toBe(true);
    expect(verifySignature(secret, header, Buffer.from(body), { now })).toBe(true);
  });

  it('refuses another secret, a changed body, and a spoofed or malformed header', () => {
    const header = sign(secret, body, t);
    expect(verifySignature('whsec_other', header, body, { now })).toBe(false);
    expect(verifySignature(secret, header, body.replace('hi', 'ho'), { now })).toBe(false);
    expect(verifySignature(secret, `t=${t},v1=${'0'.repeat(64)}`, body, { now })).toBe(false);
    // A signature made with the right secret over another timestamp does not fit this one.
    expect(verifySignature(secret, `t=${t + 1},v1=${header.split('v1=')[1]}`, body, { now })).toBe(false);
    for (const bad of [undefined, '', 'garbage', `t=${t}`, `v1=${'a'.repeat(64)}`, `t=abc,v1=${'a'.repeat(64)}`, `t=${t},v1=short`, 'x'.repeat(5_000)]) {
      expect(verifySignature(secret, bad, body, { now }), String(bad).slice(0, 40)).toBe(false);
    }
  });

  it('refuses a replay older than the tolerance (and a timestamp far in the future)', () => {
    const old = sign(secret, body, t - 301);
    expect(verifySignature(secret, old, body, { now })).toBe(false);
    expect(verifySignature(secret, old, body, { now, toleranceSeconds: 600 })).toBe(true);
    expect(verifySignature(secret, sign(secret, body, t - 299), body, { now })).toBe(true);
    expect(verifySignature(secret, sign(secret, body, t + 301), body, { now })).toBe(false);
  });

  it('accepts any of several v1 signatures (a receiver rotating secrets)', () => {
    const mine = sign(secret, body, t).split('v1=')[1];
    expect(verifySignature(secret, `t=${t},v1=${'b'.repeat(64)},v1=${mine}`, body, { now })).toBe(true);
  });

  it('makes long random secrets', () => {
    const one = newSigningSecret();
    expect(one).toMatch(/^whsec_[\w-]{43}$/);
    expect(newSigningSecret()).not.toBe(one);
  });
});
