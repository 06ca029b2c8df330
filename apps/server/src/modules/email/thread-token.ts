/**
 * The plus-address a conversation's replies come back to: `support+c42-3f9a0c1d2e@example.com`
 * for conversation 42 of the inbox `support@example.com`. The tag is an HMAC of the inbox address
 * and the conversation id, so nobody can guess the address of a conversation they were not in,
 * nor carry a tag from one inbox to another. A forwarding rule that keeps the tag
 * (`support+*@example.com` → `<identifier>+*@<EMAIL_INBOUND_DOMAIN>`) brings the same tag to the
 * inbox's forwarding address: it names the conversation there too.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const TAG = /^c([1-9][0-9]{0,9})-([0-9a-f]{10})$/;

export interface ThreadTokens {
  /** The Reply-To address of a conversation's replies. */
  address(inboxAddress: string, conversationId: number): string;
  /**
   * The conversation a recipient address names, if it is one of `inboxAddress`'s conversation
   * addresses, or the same tag at the inbox's `forwardingAddress`.
   */
  conversationOf(inboxAddress: string, recipient: string, forwardingAddress?: string): number | null;
}

export function createThreadTokens(secret: string): ThreadTokens {
  const key = Buffer.from(hkdfSync('sha256', secret, 'hummdesk', 'e-mail thread addresses', 32));
  const tag = (inboxAddress: string, conversationId: number) =>
    createHmac('sha256', key).update(`${inboxAddress.toLowerCase()}\n${conversationId}`).digest('hex').slice(0, 10);
  return {
    address(inboxAddress, conversationId) {
      const [local, domain] = inboxAddress.split('@');
      return `${local}+c${conversationId}-${tag(inboxAddress, conversationId)}@${domain}`;
    },
    conversationOf(inboxAddress, recipient, forwardingAddress) {
      const [local, domain] = recipient.toLowerCase().split('@');
      const plus = local?.indexOf('+') ?? -1;
      if (plus < 0) return null;
      const base = `${local!.slice(0, plus)}@${domain}`;
      if (base !== inboxAddress.toLowerCase() && base !== forwardingAddress?.toLowerCase()) return null;
      const match = TAG.exec(local!.slice(plus + 1));
      if (!match) return null;
      const id = Number(match[1]);
      const expected = Buffer.from(tag(inboxAddress, id));
      return timingSafeEqual(expected, Buffer.from(match[2]!)) ? id : null;
    },
  };
}
