/**
 * English words for a customer's message in another language, through the support lexicon: the
 * knowledge base is written in English and the local encoder understands only English, so a
 * Finnish or German question is searched by the English words of the concepts it names
 * (`toEnglishQuery`), plus the words no language changes (order numbers, error codes, product
 * names). Read-only for every module that needs it (search, drafts, classification).
 */
import { detectLanguage } from '../language.js';
import { ENGLISH_PARAPHRASES, SUPPORT_LANGUAGES, SUPPORT_LEXICON, type SupportLanguage } from './support-lexicon.js';

export interface Entry {
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

/**
 * The text's start is read, where a message says what it is about: the lexicon's work stays
 * bounded whatever a message's length (a customer may paste a whole log or a long thread).
 */
export const GLOSSED_CHARS = 1_000;
/** Letters of one word read for its stems and compound parts; the longest real compounds are shorter. */
export const GLOSSED_WORD_CHARS = 40;

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
    .filter(Boolean)
    .map((word) => word.slice(0, GLOSSED_WORD_CHARS));
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

/**
 * Entries by the first letters of their first stem, so that a word is compared with the handful
 * of stems it could start with rather than with all ~500 of its language. Each list keeps the
 * lexicon's order (longest first).
 */
const KEY_CHARS = 4;

interface Lexicon {
  /** Whole-word entries by their first stem's first letters (a shorter stem under all of its letters). */
  byStart: Map<string, Entry[]>;
  /** Stems that may also name a concept inside a compound (single words, not exact, long enough). */
  inner: Map<string, Entry[]>;
  /** Each entry's place in the lexicon's order. */
  rank: Map<Entry, number>;
}

function lexiconOf(entries: Entry[]): Lexicon {
  const lexicon: Lexicon = { byStart: new Map(), inner: new Map(), rank: new Map(entries.map((entry, i) => [entry, i])) };
  const add = (index: Map<string, Entry[]>, key: string, entry: Entry) => index.set(key, [...(index.get(key) ?? []), entry]);
  for (const entry of entries) {
    const stem = entry.words[0]!;
    add(lexicon.byStart, stem.slice(0, KEY_CHARS), entry);
    if (entry.words.length === 1 && !entry.exact && stem.length >= MIN_INNER_STEM) add(lexicon.inner, stem.slice(0, KEY_CHARS), entry);
  }
  return lexicon;
}

const lexicons = new Map<SupportLanguage | 'en', Lexicon>([
  ...SUPPORT_LANGUAGES.map((language, column) => [language, lexiconOf(entriesOf(SUPPORT_LEXICON.map((row) => [row[0], row[column + 1]!] as const)))] as const),
  ['en', lexiconOf(entriesOf(ENGLISH_PARAPHRASES))],
]);

/** The entries a word starting at `at` may match: those keyed by its first letters, or by fewer when a stem is shorter. */
export function candidatesFor(language: SupportLanguage | 'en', word: string, at = 0): Entry[] {
  const { byStart, rank } = lexicons.get(language)!;
  const lists: Entry[][] = [];
  for (let length = Math.min(KEY_CHARS, word.length - at); length >= 1; length--) {
    const list = byStart.get(word.slice(at, at + length));
    if (list) lists.push(list);
  }
  return lists.length === 1 ? lists[0]! : lists.flat().sort((a, b) => rank.get(a)! - rank.get(b)!);
}

const matches = (entry: Entry, word: string, stem: string) => (entry.exact ? word === stem : word.startsWith(stem));

/** The English words of the concepts named in `words`, in order of appearance, once each. */
function glossOf(words: string[], language: SupportLanguage | 'en') {
  const { inner } = lexicons.get(language)!;
  const found: string[] = [];
  let matched = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const whole = candidatesFor(language, word).find((entry) => entry.words.every((stem, k) => i + k < words.length && matches(entry, words[i + k]!, stem)));
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
      const part = inner.get(word.slice(at, at + KEY_CHARS))?.find((entry) => word.startsWith(entry.words[0]!, at));
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

/**
 * A question in English words for searching English articles. The language is detected unless
 * given; a short message is often detected as a neighbour (Norwegian for Swedish, Catalan for
 * Spanish), so a text that is not English is read in whichever lexicon language names most of it.
 * Only its first `GLOSSED_CHARS` are read.
 */
export function toEnglishQuery(text: string, language?: string): EnglishQuery {
  const start = text.slice(0, GLOSSED_CHARS);
  language ??= detectLanguage(start);
  if (language === 'en' || language === 'und') {
    // An English question keeps its words and gains those its articles likely use for what it says.
    const { terms } = glossOf(wordsOf(start), 'en');
    return { language, text: terms.length > 0 ? `${text}\n${terms.join(' ')}` : text, terms };
  }
  const words = wordsOf(start);
  const candidates = (SUPPORT_LANGUAGES as readonly string[]).includes(language) ? [language as SupportLanguage] : SUPPORT_LANGUAGES;
  const best = candidates.map((candidate) => ({ candidate, ...glossOf(words, candidate) })).sort((a, b) => b.matched - a.matched)[0]!;
  // An undetected language is taken for one of the lexicon's only when two of its words say so:
  // a short English question detected as Danish must not lose its words to one chance match.
  if (best.matched < (candidates.length === 1 ? 1 : 2)) return { language, text, terms: [] };
  return { language: best.candidate, text: [...best.terms, ...keptWords(start)].join(' '), terms: best.terms };
}
