import { describe, expect, it } from 'vitest';
import { headerFields, headerText, isMessageId, messageIds, splitMessage } from './mail-headers.js';

describe('header values', () => {
  it('keeps a value on one line: line breaks and control characters cannot start a header of their own', () => {
    expect(headerText(' Help\r\nBcc: x@evil.example\t\u2028now ')).toBe('Help Bcc: x@evil.example now');
    expect(headerText('a\u0000b\u007f\u2029c')).toBe('a b c');
    expect(headerText(null)).toBe('');
    expect(headerText(undefined)).toBe('');
  });

  it('reads Message-IDs in order, brackets a bare one, and knows a single one', () => {
    expect(messageIds('<a@x> <b@x>\r\n <c@x>')).toEqual(['<a@x>', '<b@x>', '<c@x>']);
    expect(messageIds(['<a@x>', '<b@x>'])).toEqual(['<a@x>', '<b@x>']);
    expect(messageIds(' bare@x ')).toEqual(['<bare@x>']);
    expect(messageIds('two words')).toEqual([]);
    expect(messageIds(`<${'x'.repeat(901)}>`)).toEqual([]);
    expect(messageIds(undefined)).toEqual([]);
    expect(isMessageId('<a@x>')).toBe(true);
    expect(isMessageId('<two ids@x> <y@x>')).toBe(false);
    expect(isMessageId('a@x')).toBe(false);
  });

  it('splits a raw message at its first empty line and reads its folded fields', () => {
    const raw = 'From: "Jane"\r\n <jane@example.com>\r\nSubject: one\r\nsubject: two\r\n\r\nFrom: not a header\r\n';
    const parts = splitMessage(raw)!;
    expect(parts.body).toBe('From: not a header\r\n');
    expect(headerFields(parts.head, 'from')).toEqual(['"Jane" <jane@example.com>']);
    expect(headerFields(parts.head, 'subject')).toEqual(['one', 'two']);
    expect(headerFields(parts.head, 'to')).toEqual([]);
    expect(splitMessage('From: a@example.com\nSubject: no body')).toBeUndefined();
    expect(splitMessage('From: a@example.com\n\nbody')).toEqual({ head: 'From: a@example.com', body: 'body' });
  });
});
