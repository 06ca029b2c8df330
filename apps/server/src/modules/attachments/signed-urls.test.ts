import { describe, expect, it } from 'vitest';
import { createAttachmentUrls } from './signed-urls.js';

const params = (url: string) => {
  const query = new URL(url, 'http://x').searchParams;
  return { account: Number(query.get('account')), expires: Number(query.get('expires')), signature: query.get('signature')! };
};

describe('signed attachment URLs', () => {
  const urls = createAttachmentUrls('a-secret-of-the-app-long-enough-to-be-real-0123');

  it('are the same for an hour and valid for one to two hours', () => {
    const url = urls.url(7, 42);
    expect(url).toMatch(/^\/api\/attachments\/42\?account=7&expires=\d+&signature=[\w-]{43}$/);
    expect(urls.url(7, 42)).toBe(url);
    const left = urls.verify(42, params(url));
    expect(left).toBeGreaterThan(3600 - 5);
    expect(left).toBeLessThanOrEqual(7200);
  });

  it('open only their own attachment of their own account, under the secret that signed them', () => {
    const good = params(urls.url(7, 42));
    expect(() => urls.verify(43, good)).toThrow(expect.objectContaining({ statusCode: 403 }));
    expect(() => urls.verify(42, { ...good, account: 8 })).toThrow(expect.objectContaining({ statusCode: 403 }));
    expect(() => urls.verify(42, { ...good, expires: good.expires + 1 })).toThrow(expect.objectContaining({ statusCode: 403 }));
    expect(() => createAttachmentUrls('another-secret-entirely-0123456789-abcdef').verify(42, good)).toThrow(expect.objectContaining({ statusCode: 403 }));
    const past = params(urls.urlUntil(7, 42, Math.floor(Date.now() / 1000) - 60));
    expect(() => urls.verify(42, past)).toThrow(expect.objectContaining({ statusCode: 410, code: 'link_expired' }));
  });
});
