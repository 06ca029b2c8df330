import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { mergeSettings, normaliseOrigin, readSettings, WIDGET_DEFAULTS } from './channel-settings.js';

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

  it('gives e-mail inboxes no settings yet', () => {
    expect(mergeSettings('email', undefined)).toEqual({});
    expect(refusal(() => mergeSettings('email', { address: 'a@b.c' }))).toMatchObject({ code: 'invalid_settings' });
  });
});
