import { describe, expect, it } from 'vitest';
import { createThreadTokens } from './thread-token.js';

describe('conversation reply addresses', () => {
  const tokens = createThreadTokens('a-secret-long-enough-for-the-key-derivation');

  it('names the conversation, and only for its own inbox and key', () => {
    const address = tokens.address('support@example.com', 42);
    expect(address).toMatch(/^support\+c42-[0-9a-f]{10}@example\.com$/);
    expect(tokens.conversationOf('support@example.com', address)).toBe(42);
    expect(tokens.conversationOf('support@example.com', address.toUpperCase())).toBe(42);
    // A guessed tag, another conversation's number, another inbox, another key: none.
    expect(tokens.conversationOf('support@example.com', 'support+c42-0000000000@example.com')).toBeNull();
    expect(tokens.conversationOf('support@example.com', address.replace('c42', 'c43'))).toBeNull();
    expect(tokens.conversationOf('sales@example.com', address.replace('support', 'sales'))).toBeNull();
    expect(createThreadTokens('another-secret-long-enough-for-derivation').conversationOf('support@example.com', address)).toBeNull();
    expect(tokens.conversationOf('support@example.com', 'support@example.com')).toBeNull();
    expect(tokens.conversationOf('support@example.com', 'support+anything@example.com')).toBeNull();
  });

  it("names it at the inbox's forwarding address too, with the tag of the inbox's own address", () => {
    const address = tokens.address('support@example.com', 42);
    const forwarding = '0f3a9c@inbound.hummdesk.test';
    const forwarded = address.replace('support', '0f3a9c').replace('example.com', 'inbound.hummdesk.test');
    expect(tokens.conversationOf('support@example.com', forwarded, forwarding)).toBe(42);
    // Without the forwarding address, or at another inbox's: none.
    expect(tokens.conversationOf('support@example.com', forwarded)).toBeNull();
    expect(tokens.conversationOf('support@example.com', forwarded.replace('0f3a9c', '0f3a9d'), forwarding)).toBeNull();
    expect(tokens.conversationOf('sales@example.com', forwarded, forwarding)).toBeNull();
  });
});
