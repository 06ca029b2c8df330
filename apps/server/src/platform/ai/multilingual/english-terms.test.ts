import { describe, expect, it } from 'vitest';
import { toEnglishQuery, toEnglishTerms } from './english-terms.js';
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

describe('toEnglishTerms', () => {
  it('reads inflected Finnish words by their stems', () => {
    const terms = toEnglishTerms('Milloin saan hyvityksen palautuksesta?', 'fi');
    expect(terms).toEqual(expect.arrayContaining(['refund', 'return']));
  });

  it('reads German, Swedish and Finnish compounds by their parts', () => {
    expect(toEnglishTerms('Wie hoch sind die Versandkosten?', 'de')).toEqual(expect.arrayContaining(['shipping', 'costs']));
    expect(toEnglishTerms('Ich finde mein Kundenkonto nicht', 'de')).toContain('account');
    expect(toEnglishTerms('Var hittar jag fraktkostnaden?', 'sv')).toEqual(expect.arrayContaining(['shipping', 'costs']));
    expect(toEnglishTerms('Ostin takin alennusmyynnistä', 'fi')).toEqual(expect.arrayContaining(['buy', 'jacket', 'sale']));
    expect(toEnglishTerms('Onko teillä lahjakortteja?', 'fi')).toEqual(expect.arrayContaining(['gift', 'card']));
  });

  it('reads French and Spanish with or without accents, and phrases of several words', () => {
    expect(toEnglishTerms('Je voudrais un remboursement', 'fr')).toContain('refund');
    expect(toEnglishTerms('Comment changer mon mot de passe ?', 'fr')).toEqual(expect.arrayContaining(['change', 'password']));
    expect(toEnglishTerms('¿Cuánto cuesta el envío?', 'es')).toEqual(toEnglishTerms('Cuanto cuesta el envio', 'es'));
    expect(toEnglishTerms('¿Cuánto cuesta el envío?', 'es')).toEqual(expect.arrayContaining(['price', 'shipping']));
  });

  it('names every concept a shared form belongs to, and matches short stems as whole words only', () => {
    // Finnish "tilaus" is both an order and a subscription.
    expect(toEnglishTerms('tilaukseni', 'fi')).toEqual(expect.arrayContaining(['order', 'subscription']));
    expect(toEnglishTerms('Paljonko on ALV?', 'fi')).toContain('vat');
    expect(toEnglishTerms('alvari', 'fi')).not.toContain('vat');
  });

  it('answers nothing for English or a language the lexicon lacks', () => {
    expect(toEnglishTerms('How do I get a refund?', 'en')).toEqual([]);
    expect(toEnglishTerms('Hvordan får jeg pengene tilbake?', 'no')).toEqual([]);
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
