/**
 * eld's 'medium' n-gram database in a compact form, and an eld detector built on it.
 *
 * Why: `eld/medium` ships its database as a 2 MB JavaScript object literal. Importing it costs
 * ~197 MB resident in every process and worker thread that detects a language (61 MB of heap,
 * the rest kept by the allocator after V8 parsed the literal); the same data through JSON.parse
 * still takes ~35 MB of heap as 105,548 small objects. Here the build (cli/build-ai-data.ts)
 * writes it as one string of n-grams and one byte array of (language, score) pairs; a process
 * holds a Map from n-gram to its pairs' offset (a few MB) and hands eld, in place of its object
 * of objects, a proxy that builds an n-gram's `{language: score}` object when eld looks it up.
 *
 * eld's own code does the detecting (text cleaning, n-grams, scoring, ties), so the results are
 * eld/medium's to the bit: language-ngrams.test.ts compares them, scores included.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { eld } from 'eld/medium';

export type Eld = typeof eld;

/** eld's database format (src/ngrams/*.js): n-gram → language index → score above the base. */
export interface EldNgramsData {
  type: string;
  languages: Record<number, string>;
  isSubset?: boolean;
  ngrams: Record<string, Record<number, number>>;
}

/** The build's output: `keys` joined by newlines, `pairs` (base64) a count then that many (language, score) bytes per key. */
export interface CompactNgrams {
  type: string;
  languages: Record<number, string>;
  keys: string;
  pairs: string;
}

/** Written by the build, beside the compiled code; found from src/ and dist/ alike. */
export const LANGUAGE_NGRAMS_FILE = new URL('../../../dist/platform/ai/language-ngrams.json', import.meta.url);

const require = createRequire(import.meta.url);

/**
 * eld's createEld (src/languageDetector.js): the package exports only entries that load a database
 * of their own, so it is reached by its path from the main entry (src/entries/dynamic.js). Loaded
 * with require (Node >= 20.19 loads an ES module so) to keep detection synchronous and the loading
 * lazy. A release that moves it makes compactDetector fail, and eld/medium answers instead.
 */
function eldInternals(): { createEld(): { instance: Eld; loadData(data: EldNgramsData): string } } {
  return require(fileURLToPath(new URL('../languageDetector.js', import.meta.resolve('eld')))) as ReturnType<typeof eldInternals>;
}

/** eld's 'medium' database module (src/ngrams/medium.js), for the build. */
export function eldMediumNgramsUrl(): string {
  return new URL('../ngrams/medium.js', import.meta.resolve('eld')).href;
}

export function encodeNgrams(data: EldNgramsData): CompactNgrams {
  const keys = Object.keys(data.ngrams);
  const bytes: number[] = [];
  for (const key of keys) {
    if (key.includes('\n')) throw new Error(`an n-gram holds the separator: ${JSON.stringify(key)}`);
    const entries = Object.entries(data.ngrams[key]!);
    bytes.push(entries.length);
    for (const [language, score] of entries) bytes.push(Number(language), score);
  }
  if (bytes.some((byte) => !Number.isInteger(byte) || byte < 0 || byte > 255)) throw new Error('a language index, score or count does not fit a byte');
  return { type: data.type, languages: data.languages, keys: keys.join('\n'), pairs: Buffer.from(bytes).toString('base64') };
}

/** eld's database, with the n-grams looked up in the compact form. */
export function decodeNgrams(compact: CompactNgrams): EldNgramsData {
  const pairs = Buffer.from(compact.pairs, 'base64');
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const key of compact.keys.split('\n')) {
    offsets.set(key, offset);
    offset += 1 + 2 * pairs[offset]!;
  }
  if (offset !== pairs.length) throw new Error('the n-grams and their scores do not match');
  const lookup = (key: string) => {
    const start = offsets.get(key);
    if (start === undefined) return undefined;
    const scores: Record<number, number> = {};
    for (let i = start + 1; i < start + 1 + 2 * pairs[start]!; i += 2) scores[pairs[i]!] = pairs[i + 1]!;
    return scores;
  };
  // eld only reads `ngrams[ngram]` while detecting (its saveSubset, which lists them, is for browsers).
  const ngrams = new Proxy({} as EldNgramsData['ngrams'], { get: (_, key) => (typeof key === 'string' ? lookup(key) : undefined) });
  return { type: compact.type, languages: compact.languages, isSubset: false, ngrams };
}

/**
 * An eld detector on the build's compact database; undefined when the file is missing or not one
 * (the build may have failed) or eld's internals are not where they were: the caller falls back
 * to eld/medium.
 */
export function compactDetector(file: URL = LANGUAGE_NGRAMS_FILE): Eld | undefined {
  try {
    const data = decodeNgrams(JSON.parse(readFileSync(file, 'utf8')) as CompactNgrams);
    const { instance, loadData } = eldInternals().createEld();
    return loadData(data) ? instance : undefined;
  } catch {
    return undefined;
  }
}

/** eld/medium itself, for when the build could not write the compact database. */
export function eldMedium(): Eld {
  return (require(fileURLToPath(import.meta.resolve('eld/medium'))) as { eld: Eld }).eld;
}
