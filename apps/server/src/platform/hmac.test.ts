import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey, macEquals } from './hmac.js';

describe('HMAC helpers', () => {
  it('derives one key per purpose from one secret', () => {
    const key = deriveKey('the app secret', 'contact-tokens');
    expect(key).toEqual(createHmac('sha256', 'the app secret').update('contact-tokens').digest());
    expect(key.equals(deriveKey('the app secret', 'attachment-urls'))).toBe(false);
    expect(key.equals(deriveKey('another secret', 'contact-tokens'))).toBe(false);
  });

  it('compares MACs, of any length, as bytes or text', () => {
    const mac = createHmac('sha256', 'k').update('m').digest();
    expect(macEquals(mac, Buffer.from(mac))).toBe(true);
    expect(macEquals(mac, Buffer.concat([mac, Buffer.from([0])]))).toBe(false);
    expect(macEquals(mac, Buffer.alloc(32))).toBe(false);
    expect(macEquals('abc', 'abc')).toBe(true);
    expect(macEquals('abc', 'abd')).toBe(false);
    expect(macEquals('', 'a')).toBe(false);
  });
});
