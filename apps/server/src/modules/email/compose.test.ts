import { describe, expect, it } from 'vitest';
import { newMessageId, replySubject } from '../conversations/email-replies.js';
import { composeReply, displayName } from './compose.js';

describe('composing an e-mail reply', () => {
  it('makes an HTML part from the Markdown, with typed HTML escaped and only web and mail links kept', () => {
    const { text, html } = composeReply(
      'Hi **Cora**\r\nline two\r\n\r\n- one\n- two\n\n<b onclick="x()">bold?</b> [a](javascript:alert(1)) [b](https://example.com) ![c](data:image/png;base64,AAAA)',
    );
    expect(text).toBe(
      'Hi **Cora**\nline two\n\n- one\n- two\n\n<b onclick="x()">bold?</b> [a](javascript:alert(1)) [b](https://example.com) ![c](data:image/png;base64,AAAA)',
    );
    expect(html).toContain('<p>Hi <strong>Cora</strong><br>line two</p>');
    expect(html).toContain('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(html).toContain('&lt;b onclick=&quot;x()&quot;&gt;bold?&lt;/b&gt; a <a href="https://example.com">b</a> c');
    expect(html).not.toMatch(/<b |javascript:|data:/);
  });

  it('keeps display names on one line, free of quoting and addresses', () => {
    expect(displayName('Eve "Boss" <ceo@evil.example>\\\r\nBcc: v@evil.example')).toBe('Eve Boss ceo@evil.example Bcc: v@evil.example');
  });

  it('answers a thread with one "Re:" before its subject, whatever prefixes the customer sent', () => {
    expect(replySubject('Order missing', 'Conversation #4')).toBe('Re: Order missing');
    expect(replySubject('RE: Re[2]: AW: Order missing', 'Conversation #4')).toBe('Re: Order missing');
    expect(replySubject('Re:', 'Conversation #4')).toBe('Re: Conversation #4');
    expect(replySubject(null, 'Conversation #4')).toBe('Re: Conversation #4');
    expect(replySubject('Regarding the order', 'Conversation #4')).toBe('Re: Regarding the order');
  });

  it("gives our Message-IDs the inbox's domain", () => {
    expect(newMessageId('support@shop.example')).toMatch(/^<[0-9a-f-]{36}@shop\.example>$/);
  });
});
