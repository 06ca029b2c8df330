/**
 * Surface features of a text for the per-account classifier, next to its sentence embedding:
 * word unigrams and bigrams and character 3- and 4-grams, hashed into a fixed space (the
 * hashing trick), log-scaled and L2-normalised. They catch what embeddings blur: product
 * names, error codes, an account's own vocabulary, other languages.
 *
 * A text in Finnish, Swedish, German, French or Spanish also gets the English words of the
 * support concepts it names (the support lexicon, multilingual/): the sentence encoder reads only
 * English, and so "Missä on tilaukseni?" shares features with "Where is my order?" and with
 * every other language's examples of the category. On the labelled sets this took the
 * non-English messages from about half right to about three quarters.
 */
import { detectLanguage } from './language.js';
import { toEnglishQuery } from './multilingual/english-terms.js';

export const HASH_DIMENSIONS = 1 << 14;

/**
 * The English words are read from the text's beginning, where a message says what it is about
 * (and every training example is read so: about 0.3 ms for 500 characters of a foreign text).
 */
const GLOSSED_CHARS = 500;

/** Index → weight; only the non-zero entries. */
export type SparseVector = Map<number, number>;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/#?\d{3,}/g, ' 0 ') // order numbers and amounts: their digits say nothing about the topic
    .replace(/\s+/g, ' ')
    .trim();
}

/** The English words of a text in one of the lexicon's languages; none for English or an unknown language. */
function translatedTerms(text: string): string[] {
  const start = text.slice(0, GLOSSED_CHARS);
  const language = detectLanguage(start);
  return language === 'en' || language === 'und' ? [] : toEnglishQuery(start, language).terms;
}

export function textFeatures(text: string, maxChars = 4_000): SparseVector {
  const english = translatedTerms(text);
  const normalised = normaliseText([text.slice(0, maxChars), ...english].join(' '));
  const words = normalised.match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? [];
  const counts = new Map<number, number>();
  const add = (token: string) => {
    const index = fnv1a(token) % HASH_DIMENSIONS;
    counts.set(index, (counts.get(index) ?? 0) + 1);
  };
  words.forEach((word, i) => {
    add(`w:${word}`);
    if (i > 0) add(`b:${words[i - 1]} ${word}`);
  });
  for (const word of words) {
    const padded = ` ${word} `;
    for (const n of [3, 4]) for (let i = 0; i + n <= padded.length; i++) add(`c${n}:${padded.slice(i, i + n)}`);
  }
  let norm = 0;
  for (const [index, count] of counts) {
    const weight = 1 + Math.log(count);
    counts.set(index, weight);
    norm += weight * weight;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [index, weight] of counts) counts.set(index, weight / norm);
  return counts;
}
