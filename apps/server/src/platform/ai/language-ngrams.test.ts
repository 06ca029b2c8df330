import { readdirSync, readFileSync } from 'node:fs';
import { eld } from 'eld/medium';
import { describe, expect, it } from 'vitest';
import { detectLanguage } from './language.js';
import { compactDetector, decodeNgrams, eldMedium, eldMediumNgramsUrl, encodeNgrams, type EldNgramsData } from './language-ngrams.js';

const dataDir = new URL('./data/', import.meta.url);
/** The labelled messages (en, and fi/sv/de/fr/es in shop-multilingual). */
const labelled = readdirSync(dataDir)
  .filter((file) => file.endsWith('.jsonl'))
  .flatMap((file) =>
    readFileSync(new URL(file, dataDir), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { text: string }).text),
  );

const odd = [
  '',
  ' ',
  'ok',
  'a',
  'Hi',
  'tack',
  'kiitos!!!',
  '12345 #9876',
  '👍👍👍',
  'Order #A12-99 ✅ https://shop.example.com/track?id=123 mail me at jane@example.com',
  'MERCI BEAUCOUP POUR VOTRE AIDE',
  'Hola, ¿dónde está mi pedido? Thanks!',
  'Straße Größe Übergröße äöü ÄÖÜ ß',
  'Привет, где мой заказ?',
  'مرحبا، أين طلبي؟',
  '我的订单在哪里？',
  'ご注文はどこですか',
  'こんにちは世界 hello world',
  'Γεια σας, πού είναι η παραγγελία μου;',
  'שלום, איפה ההזמנה שלי?',
  'नमस्ते, मेरा ऑर्डर कहाँ है?',
  'constructor toString __proto__ hasOwnProperty valueOf prototype',
  'lone surrogate \ud800 here and \udc00 there',
  'emoji in words: caf😀é na😀ïve',
  'tab\tseparated\nnew\r\nlines',
  "don't won't it's l'été aujourd'hui",
  'x'.repeat(5_000),
  'päivää '.repeat(400),
  'The quick brown fox jumps over the lazy dog. '.repeat(60),
];

/** Made-up words over several alphabets, the same every run (a fixed linear congruential sequence). */
function madeUpTexts(count: number): string[] {
  const letters = "abcdefghijklmnopqrstuvwxyzåäöüéèàçñßøæœабвгдежзийклмнопрстуфхцчшщыэюяαβγδεζηθ  ,.!?-'0123456789";
  let seed = 16;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 200) }, () => letters[next() % letters.length]).join(''));
}

const texts = [...labelled, ...odd, ...madeUpTexts(2_000)];

const { ngramsData } = (await import(eldMediumNgramsUrl())) as { ngramsData: EldNgramsData };

describe('the compact language database', () => {
  it('holds every n-gram of eld/medium with its scores, and no other', () => {
    const decoded = decodeNgrams(encodeNgrams(ngramsData));
    const keys = Object.keys(ngramsData.ngrams);
    expect(keys.length).toBeGreaterThan(100_000);
    const differing = keys.filter((key) => JSON.stringify(decoded.ngrams[key]) !== JSON.stringify(ngramsData.ngrams[key]));
    expect(differing).toEqual([]);
    expect(decoded.ngrams['not an n-gram']).toBeUndefined();
    expect(decoded.ngrams.constructor).toBeUndefined();
    expect([decoded.type, decoded.languages]).toEqual([ngramsData.type, ngramsData.languages]);
  });

  it('detects what eld/medium detects, with the same scores, from the file the build writes', () => {
    const compact = compactDetector();
    expect(compact, 'the build writes dist/platform/ai/language-ngrams.json').toBeDefined();
    expect(labelled.length).toBeGreaterThan(1_000);
    const results = (detector: typeof eld) =>
      texts.map((text) => {
        const result = detector.detect(text);
        return { text, language: result.language, scores: result.getScores(), reliable: result.isReliable() };
      });
    const expected = results(eld);
    expect(results(compact!)).toEqual(expected);
    // The comparison covers more than one answer: the six languages of the labelled sets and others.
    const languages = new Set(expected.map((result) => result.language));
    for (const language of ['en', 'fi', 'sv', 'de', 'fr', 'es', 'ru', 'ar', 'zh', 'ja', '']) expect(languages).toContain(language);
  });

  it('is not read from a file that is missing or not one, and eld/medium is there to answer instead', () => {
    expect(compactDetector(new URL('./no-such-file.json', import.meta.url))).toBeUndefined();
    expect(compactDetector(new URL('./data/default-taxonomy.json', import.meta.url))).toBeUndefined();
    expect(['Missä on tilaukseni?', 'Where is my order?'].map((text) => eldMedium().detect(text).language)).toEqual(['fi', 'en']);
  });

  it("gives detectLanguage eld/medium's answers, and 'und' without letters", () => {
    expect(texts.map(detectLanguage)).toEqual(texts.map((text) => (/\p{L}/u.test(text) ? eld.detect(text.slice(0, 1_000)).language || 'und' : 'und')));
    expect(['', '12345', '👍'].map(detectLanguage)).toEqual(['und', 'und', 'und']);
  });
});
