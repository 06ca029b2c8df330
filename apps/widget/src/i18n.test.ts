import { describe, expect, it } from 'vitest';
import { pickLanguage, stringsFor, type Language } from './i18n.js';

describe("the widget's languages", () => {
  it("speaks the first of the visitor's languages it knows, by its primary subtag, else English", () => {
    expect(pickLanguage(['fi-FI', 'en-US'])).toBe('fi');
    expect(pickLanguage(['pt-BR', 'sv_SE', 'de'])).toBe('sv');
    expect(pickLanguage(['DE-at'])).toBe('de');
    expect(pickLanguage(['ja', 'zh-Hans'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
    // Names of Object.prototype are no languages.
    expect(pickLanguage(['constructor', 'toString'])).toBe('en');
  });

  it('has every string in every language, none left in English by mistake', () => {
    const english = stringsFor('en');
    for (const language of ['fi', 'sv', 'de', 'fr', 'es'] satisfies Language[]) {
      const strings = stringsFor(language);
      expect(Object.keys(strings).sort()).toEqual(Object.keys(english).sort());
      expect(strings.placeholder).not.toBe(english.placeholder);
      expect(strings.typing('Alex')).toContain('Alex');
      expect(strings.unread(1)).not.toBe(strings.unread(2));
    }
  });
});
