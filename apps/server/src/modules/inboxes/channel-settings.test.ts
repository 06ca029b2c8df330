import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { createSecretBox } from '../../platform/secret-box.js';
import { mergeSettings, normaliseOrigin, readSettings, WIDGET_DEFAULTS } from './channel-settings.js';
import { openEmailSettings, presentEmailSettings, type StoredEmailSettings } from './email-settings.js';

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return { status: (error as AppError).statusCode, code: (error as AppError).code, message: (error as AppError).message, field: (error as AppError).field };
  }
  throw new Error('expected a refusal');
}

describe('channel settings', () => {
  it('normalises origins as browsers send them, and refuses anything else', () => {
    expect(normaliseOrigin('https://Shop.Example.com')).toBe('https://shop.example.com');
    expect(normaliseOrigin('https://shop.example.com/')).toBe('https://shop.example.com');
    expect(normaliseOrigin('https://shop.example.com:443')).toBe('https://shop.example.com');
    expect(normaliseOrigin('http://localhost:8080')).toBe('http://localhost:8080');
    expect(normaliseOrigin('http://[::1]:3000')).toBe('http://[::1]:3000');
    expect(normaliseOrigin('https://bücher.example')).toBe('https://xn--bcher-kva.example');
    for (const bad of [
      'https://shop.example.com/path',
      'https://shop.example.com?x=1',
      'https://shop.example.com#top',
      'https://user:pw@shop.example.com',
      'ftp://shop.example.com',
      'javascript:alert(1)',
      'shop.example.com',
      'https://*.example.com',
      'null',
      '',
      42,
      null,
      `https://${'a'.repeat(400)}.com`,
    ]) {
      expect(normaliseOrigin(bad), String(bad)).toBeNull();
    }
  });

  it('fills a widget with its defaults and merges the fields given', () => {
    expect(mergeSettings('web_widget', undefined)).toEqual(WIDGET_DEFAULTS);
    const settings = mergeSettings('web_widget', {
      color: '#AABBCC',
      greeting: '  Hello!  ',
      allowedOrigins: ['https://a.example', 'https://A.example/', 'http://localhost:5173'],
      preChatForm: true,
    });
    expect(settings).toEqual({
      color: '#aabbcc',
      greeting: 'Hello!',
      allowedOrigins: ['https://a.example', 'http://localhost:5173'],
      preChatForm: true,
      requireIdentity: false,
    });
    // Given fields replace, the rest stays.
    expect(mergeSettings('web_widget', { requireIdentity: true }, settings)).toEqual({ ...settings, requireIdentity: true });
    expect(readSettings('web_widget', {})).toEqual(WIDGET_DEFAULTS);
  });

  it('refuses bad widget settings with a 422 naming the field', () => {
    const cases: [unknown, string][] = [
      [{ color: 'red' }, 'color'],
      [{ color: '#abc' }, 'color'],
      [{ greeting: 'x'.repeat(501) }, 'greeting'],
      [{ greeting: 42 }, 'greeting'],
      [{ allowedOrigins: 'https://a.example' }, 'allowedOrigins'],
      [{ allowedOrigins: Array.from({ length: 21 }, (_, i) => `https://s${i}.example`) }, 'allowedOrigins'],
      [{ allowedOrigins: ['https://a.example/shop'] }, 'allowedOrigins'],
      [{ preChatForm: 'yes' }, 'preChatForm'],
      [{ requireIdentity: 1 }, 'requireIdentity'],
      [{ callbackUrl: 'https://a.example' }, 'callbackUrl'],
    ];
    for (const [given, field] of cases) {
      const refused = refusal(() => mergeSettings('web_widget', given));
      expect(refused, JSON.stringify(given).slice(0, 80)).toMatchObject({ status: 422, code: 'invalid_settings', field: `body.settings.${field}` });
      expect(refused.message).toContain(`settings.${field}`);
    }
    expect(refusal(() => mergeSettings('web_widget', ['a']))).toMatchObject({ status: 422, code: 'invalid_settings' });
  });

  it("checks an API inbox's callback URL, and lets null take it away", () => {
    expect(mergeSettings('api', { callbackUrl: 'https://hooks.example.com/hummdesk?x=1' })).toEqual({ callbackUrl: 'https://hooks.example.com/hummdesk?x=1' });
    expect(mergeSettings('api', { callbackUrl: null }, { callbackUrl: 'https://a.example/' })).toEqual({});
    expect(mergeSettings('api', {}, { callbackUrl: 'https://a.example/' })).toEqual({ callbackUrl: 'https://a.example/' });
    for (const bad of ['ftp://a.example', 'not a url', `https://a.example/${'x'.repeat(2048)}`, 'https://user:secret@a.example', 42]) {
      expect(refusal(() => mergeSettings('api', { callbackUrl: bad }))).toMatchObject({ code: 'invalid_settings', field: 'body.settings.callbackUrl' });
    }
    expect(refusal(() => mergeSettings('api', { color: '#000000' }))).toMatchObject({ code: 'invalid_settings', field: 'body.settings.color' });
  });

  it("seals an e-mail inbox's passwords, keeps one left out, and presents none", () => {
    const box = createSecretBox('a-secret-long-enough-for-the-key-derivation');
    const given = {
      address: ' Support@Example.COM ',
      smtp: { host: 'smtp.example.com', port: 587, secure: false, user: 'support', password: 'relay pass' },
      imap: { host: 'imap.example.com', secure: true, user: 'support', password: 'imap pass' },
    };
    const stored = mergeSettings('email', given, {}, box) as StoredEmailSettings;
    expect(stored).toMatchObject({ address: 'support@example.com', smtp: { host: 'smtp.example.com', port: 587 }, imap: { port: 993, mailbox: 'INBOX' } });
    expect(JSON.stringify(stored)).not.toMatch(/relay pass|imap pass/);
    expect(stored.inboundSecret).toMatch(/^[0-9a-f]{48}$/);
    const edited = mergeSettings('email', { smtp: { port: 2525 } }, stored as never, box) as StoredEmailSettings;
    expect(openEmailSettings(edited as never, box)).toMatchObject({ smtp: { port: 2525, password: 'relay pass' }, imap: { password: 'imap pass' } });
    expect(openEmailSettings(mergeSettings('email', { imap: null }, stored as never, box) as never, box).imap).toBeUndefined();
    const shown = presentEmailSettings(stored as never, { administrator: true, showSecret: false });
    expect(shown).toEqual({
      address: 'support@example.com',
      smtp: { host: 'smtp.example.com', port: 587, secure: false, user: 'support', passwordSet: true },
      imap: { host: 'imap.example.com', port: 993, secure: true, user: 'support', passwordSet: true, mailbox: 'INBOX' },
    });
    expect(presentEmailSettings(stored as never, { administrator: false, showSecret: false })).toEqual({ address: 'support@example.com' });
    // Under another key the password does not open: an error that says so, never garbage.
    const other = createSecretBox('another-secret-long-enough-for-the-derivation');
    expect(refusal(() => openEmailSettings(stored as never, other))).toMatchObject({ code: 'credentials_unreadable' });
  });

  it('refuses e-mail settings without an address or relay, and bad values', () => {
    const box = createSecretBox('a-secret-long-enough-for-the-key-derivation');
    const smtp = { host: 'smtp.example.com', port: 587, secure: false };
    for (const [given, field] of [
      [{ smtp }, 'body.settings.address'],
      [{ address: 'support+x@example.com', smtp }, 'body.settings.address'],
      [{ address: 'support@example.com' }, 'body.settings.smtp'],
      [{ address: 'support@example.com', smtp: { ...smtp, port: 70000 } }, 'body.settings.smtp.port'],
      [{ address: 'support@example.com', smtp: { ...smtp, host: 'smtp example' } }, 'body.settings.smtp.host'],
      [{ address: 'support@example.com', smtp, imap: { host: 'imap.example.com' } }, 'body.settings.imap.user'],
      [{ address: 'support@example.com', smtp, inboundSecret: 'short' }, 'body.settings.inboundSecret'],
      [{ address: 'support@example.com', smtp, color: '#000000' }, 'body.settings.color'],
    ] as const) {
      expect(refusal(() => mergeSettings('email', given, {}, box))).toMatchObject({ status: 422, code: 'invalid_settings', field });
    }
  });
});
