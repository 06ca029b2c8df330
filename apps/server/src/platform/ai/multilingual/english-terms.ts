/**
 * English words for a customer's message in another language, through the support lexicon: the
 * knowledge base is written in English and the local encoder understands only English, so a
 * Finnish or German question is searched by the English words of the concepts it names
 * (`toEnglishTerms`), plus the words no language changes (order numbers, error codes, product
 * names). Read-only for every module that needs it (search, drafts, classification).
 */
import { detectLanguage } from '../language.js';
import { ENGLISH_PARAPHRASES, SUPPORT_LANGUAGES, SUPPORT_LEXICON, type SupportLanguage } from './support-lexicon.js';

interface Entry {
  /** The stems of consecutive words. */
  words: string[];
  /** Whole words only (a trailing `=` in the lexicon). */
  exact: boolean;
  english: string;
}

/**
 * Compound words (Finnish, Swedish, German) are matched by their parts too: a known stem at least
 * this long inside a word ("Versand|kosten", "alennus|myynti") names its concept.
 */
const MIN_INNER_STEM = 5;
const COMPOUNDING = new Set<SupportLanguage>(['fi', 'sv', 'de']);

/** Lower case without French and Spanish accents; å, ä, ö and ü stay (they tell words apart). */
function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/(?![\u0308\u030a])\p{M}/gu, '')
    .normalize('NFC');
}

function wordsOf(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Entries from [English words, forms] pairs; a form listed under several concepts names all of them ("tilaus": order, subscription). */
function entriesOf(rows: readonly (readonly [string, string])[]): Entry[] {
  const byForm = new Map<string, Entry>();
  for (const [english, forms] of rows) {
    for (const form of forms.split(',')) {
      const exact = form.trim().endsWith('=');
      const words = wordsOf(form);
      const key = `${words.join(' ')}${exact ? '=' : ''}`;
      const known = byForm.get(key);
      byForm.set(key, { words, exact, english: known ? `${known.english} ${english}` : english });
    }
  }
  // Longest first: the most specific stem ("versandkost") wins over a shorter one ("versand").
  return [...byForm.values()].sort((a, b) => b.words.join(' ').length - a.words.join(' ').length);
}

const entriesByLanguage = new Map<SupportLanguage | 'en', Entry[]>([
  ...SUPPORT_LANGUAGES.map((language, column) => [language, entriesOf(SUPPORT_LEXICON.map((row) => [row[0], row[column + 1]!] as const))] as const),
  ['en', entriesOf(ENGLISH_PARAPHRASES)],
]);

const matches = (entry: Entry, word: string, stem: string) => (entry.exact ? word === stem : word.startsWith(stem));

/** The English words of the concepts named in `words`, in order of appearance, once each. */
function glossOf(words: string[], language: SupportLanguage | 'en') {
  const entries = entriesByLanguage.get(language)!;
  const found: string[] = [];
  let matched = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const whole = entries.find((entry) => entry.words.every((stem, k) => i + k < words.length && matches(entry, words[i + k]!, stem)));
    if (whole) {
      found.push(whole.english);
      matched++;
      i += whole.words.length - 1;
      if (whole.words.length > 1) continue;
    }
    if (language === 'en' || !COMPOUNDING.has(language)) continue;
    // Parts of a compound after its first: the longest known stem at each later position.
    const start = whole ? whole.words[0]!.length : 3;
    for (let at = start; at <= word.length - MIN_INNER_STEM; at++) {
      const part = entries.find(
        (entry) => entry.words.length === 1 && !entry.exact && entry.words[0]!.length >= MIN_INNER_STEM && word.startsWith(entry.words[0]!, at),
      );
      if (!part) continue;
      found.push(part.english);
      if (!whole) matched++;
      at += part.words[0]!.length - 1;
    }
  }
  return { terms: [...new Set(found.join(' ').split(' ').filter(Boolean))], matched };
}

/**
 * Words that read the same in every language: order numbers, error codes and abbreviations
 * ("E-SYNC-413", "2FA", "DHL"), and names written with a capital inside a word ("iPhone").
 * Capitalised words in general are not: German writes every noun so.
 */
function keptWords(text: string): string[] {
  return text.split(/[^\p{L}\p{N}-]+/u).filter((word) => /\d/.test(word) || /^[\p{Lu}\d-]{2,}$/u.test(word) || /^\p{L}+\p{Lu}/u.test(word));
}

export interface EnglishQuery {
  /** The language the text was read as (ISO 639-1, `und` when unknown). */
  language: string;
  /** The text to search English articles with: the text itself when it is English or no known language. */
  text: string;
  /** English words of the concepts the text names (for English text, those it says in other words). */
  terms: string[];
}

/** English content words for a text in one of the lexicon's languages (empty for any other). */
export function toEnglishTerms(text: string, language: string): string[] {
  if (!(SUPPORT_LANGUAGES as readonly string[]).includes(language)) return [];
  return glossOf(wordsOf(text), language as SupportLanguage).terms;
}

/**
 * A question in English words for searching English articles. The language is detected unless
 * given; a short message is often detected as a neighbour (Norwegian for Swedish, Catalan for
 * Spanish), so a text that is not English is read in whichever lexicon language names most of it.
 */
export function toEnglishQuery(text: string, language = detectLanguage(text)): EnglishQuery {
  if (language === 'en' || language === 'und') {
    // An English question keeps its words and gains those its articles likely use for what it says.
    const { terms } = glossOf(wordsOf(text), 'en');
    return { language, text: terms.length > 0 ? `${text}\n${terms.join(' ')}` : text, terms };
  }
  const words = wordsOf(text);
  const candidates = (SUPPORT_LANGUAGES as readonly string[]).includes(language) ? [language as SupportLanguage] : SUPPORT_LANGUAGES;
  const best = candidates.map((candidate) => ({ candidate, ...glossOf(words, candidate) })).sort((a, b) => b.matched - a.matched)[0]!;
  // An undetected language is taken for one of the lexicon's only when two of its words say so:
  // a short English question detected as Danish must not lose its words to one chance match.
  if (best.matched < (candidates.length === 1 ? 1 : 2)) return { language, text, terms: [] };
  return { language: best.candidate, text: [...best.terms, ...keptWords(text)].join(' '), terms: best.terms };
}
