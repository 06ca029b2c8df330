import { describe, expect, it } from 'vitest';
import { candidatesFor, GLOSSED_CHARS, GLOSSED_WORD_CHARS, toEnglishQuery } from './english-terms.js';
import { SUPPORT_LANGUAGES, SUPPORT_LEXICON } from './support-lexicon.js';

describe('support lexicon', () => {
  it('gives every concept its English words and at least one form in each language', () => {
    for (const row of SUPPORT_LEXICON) {
      expect(row, row[0]).toHaveLength(1 + SUPPORT_LANGUAGES.length);
      expect(row[0], row.join(' | ')).toMatch(/^[a-z0-9 -]+$/);
      for (const forms of row.slice(1)) {
        for (const form of forms.split(',')) expect(form.replace('=', '').trim().length, `${row[0]}: "${form}"`).toBeGreaterThanOrEqual(2);
      }
    }
  });
});

/** The English words of a text read in the given lexicon language. */
const termsOf = (text: string, language: string) => toEnglishQuery(text, language).terms;

describe('English words of a foreign text', () => {
  it('reads inflected Finnish words by their stems', () => {
    const terms = termsOf('Milloin saan hyvityksen palautuksesta?', 'fi');
    expect(terms).toEqual(expect.arrayContaining(['refund', 'return']));
  });

  it('reads German, Swedish and Finnish compounds by their parts', () => {
    expect(termsOf('Wie hoch sind die Versandkosten?', 'de')).toEqual(expect.arrayContaining(['shipping', 'costs']));
    expect(termsOf('Ich finde mein Kundenkonto nicht', 'de')).toContain('account');
    expect(termsOf('Var hittar jag fraktkostnaden?', 'sv')).toEqual(expect.arrayContaining(['shipping', 'costs']));
    expect(termsOf('Ostin takin alennusmyynnistä', 'fi')).toEqual(expect.arrayContaining(['buy', 'jacket', 'sale']));
    expect(termsOf('Onko teillä lahjakortteja?', 'fi')).toEqual(expect.arrayContaining(['gift', 'card']));
  });

  it('reads French and Spanish with or without accents, and phrases of several words', () => {
    expect(termsOf('Je voudrais un remboursement', 'fr')).toContain('refund');
    expect(termsOf('Comment changer mon mot de passe ?', 'fr')).toEqual(expect.arrayContaining(['change', 'password']));
    expect(termsOf('¿Cuánto cuesta el envío?', 'es')).toEqual(termsOf('Cuanto cuesta el envio', 'es'));
    expect(termsOf('¿Cuánto cuesta el envío?', 'es')).toEqual(expect.arrayContaining(['price', 'shipping']));
  });

  it('names every concept a shared form belongs to, and matches short stems as whole words only', () => {
    // Finnish "tilaus" is both an order and a subscription.
    expect(termsOf('tilaukseni', 'fi')).toEqual(expect.arrayContaining(['order', 'subscription']));
    expect(termsOf('Paljonko on ALV?', 'fi')).toContain('vat');
    expect(termsOf('alvari', 'fi')).not.toContain('vat');
  });
});

describe('the cost of reading a text', () => {
  it('compares a word with a handful of stems, not with the whole lexicon', () => {
    for (const [column, language] of SUPPORT_LANGUAGES.entries()) {
      const forms = SUPPORT_LEXICON.flatMap((row) => row[column + 1]!.split(','));
      const largest = Math.max(...forms.map((form) => candidatesFor(language, form.replace('=', '').trim()).length));
      expect(largest, language).toBeLessThanOrEqual(16);
      expect(forms.length, language).toBeGreaterThan(100);
    }
  });

  it('reads only the start of a long message and of a long word', () => {
    // A long message in no known language: nothing past the first GLOSSED_CHARS is read, so its last words name nothing.
    const filler = 'lorem ipsum dolor sit amet '.repeat(800);
    expect(filler.length).toBeGreaterThan(20_000);
    expect(termsOf('Wo ist meine Rechnung? ' + filler, 'da')).toEqual(expect.arrayContaining(['invoice']));
    expect(termsOf(filler.slice(0, GLOSSED_CHARS - 30) + ' Rechnung Versandkosten', 'de')).toContain('invoice');
    expect(termsOf(filler + ' Rechnung Versandkosten', 'de')).toEqual([]);
    // One 20,000-letter "word": only its first GLOSSED_WORD_CHARS letters are searched for compound parts.
    const word = 'x'.repeat(GLOSSED_WORD_CHARS - 13) + 'versandkosten';
    expect(termsOf(word, 'de')).toEqual(expect.arrayContaining(['shipping', 'costs']));
    expect(termsOf('x'.repeat(8) + word + 'a'.repeat(20_000), 'de')).toEqual([]);
    expect(termsOf('versand' + 'a'.repeat(20_000), 'de')).toContain('shipping');
  });
});

describe('toEnglishQuery', () => {
  it('keeps an English question, adding the words articles use for what it says in other words', () => {
    expect(toEnglishQuery('How do I reset my password?')).toMatchObject({ language: 'en', text: 'How do I reset my password?', terms: [] });
    const query = toEnglishQuery('My card was billed twice for the same jacket, can I get it back?');
    expect(query.language).toBe('en');
    expect(query.text.startsWith('My card was billed twice for the same jacket, can I get it back?')).toBe(true);
    expect(query.terms).toEqual(expect.arrayContaining(['duplicate', 'charge', 'refund']));
  });

  it('turns a foreign question into English words, keeping codes and numbers', () => {
    const query = toEnglishQuery('Sovellus näyttää virhekoodin E-SYNC-413 kun synkronoin, mitä teen?');
    expect(query.language).toBe('fi');
    expect(query.text).toContain('E-SYNC-413');
    expect(query.terms).toEqual(expect.arrayContaining(['app', 'sync', 'code', 'error']));
    expect(query.text).not.toMatch(/sovellus|virhekoodin/i);
  });

  it('reads a text detected as a neighbouring language in the lexicon language that names most of it', () => {
    const query = toEnglishQuery('Hur länge dröjer leveransen och vad kostar frakten?', 'da');
    expect(query.language).toBe('sv');
    expect(query.terms).toEqual(expect.arrayContaining(['how', 'long', 'delivery', 'shipping', 'cost']));
  });

  it('keeps a text of an unknown language as it is unless two of its words are known', () => {
    expect(toEnglishQuery('refund', 'da')).toMatchObject({ text: 'refund', terms: [] });
  });
});
