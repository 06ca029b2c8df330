import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';

describe('the secret box', () => {
  const box = createSecretBox('a-credentials-key-long-enough-for-derivation');

  it('opens what it sealed, and each sealing differs', () => {
    const sealed = box.seal('relay password ✓');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('relay');
    expect(box.open(sealed)).toBe('relay password ✓');
    expect(box.seal('relay password ✓')).not.toBe(sealed);
  });

  it('refuses a value sealed under another key, altered, or with a shortened tag', () => {
    const sealed = box.seal('secret');
    const [version, iv, body, tag] = sealed.split('.') as [string, string, string, string];
    expect(() => createSecretBox('another-credentials-key-long-enough-for-it').open(sealed)).toThrow();
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([version, iv, flipped.toString('base64url'), tag].join('.'))).toThrow();
    const shortTag = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open([version, iv, body, shortTag].join('.'))).toThrow();
    expect(() => box.open('plain text')).toThrow();
  });
});
