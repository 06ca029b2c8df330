/**
 * Language of a customer message (ISO 639-1), by the Efficient Language Detector (`eld`),
 * which on short support messages was right 13 times of 14 where franc was right 9 (checked on
 * en/fi/sv/de/fr/es one-liners). Its 'medium' n-gram database ships in the package; the build
 * rewrites it compactly (language-ngrams.ts: ~170 MB less resident per process).
 */
import { compactDetector, eldMedium, type Eld } from './language-ngrams.js';

/**
 * Loaded at the first detection, not at import: a process that never reads a message's language
 * (a replica nobody searches) never holds the database.
 */
let detector: Eld | undefined;

function loadDetector(): Eld {
  const compact = compactDetector();
  if (compact) return compact;
  process.emitWarning('The compact language database is missing (run the server build): using eld/medium, ~170 MB more memory');
  return eldMedium();
}

/** 'und' when the text has no letters to judge by (emoji, numbers, nothing). */
export function detectLanguage(text: string): string {
  if (!/\p{L}/u.test(text)) return 'und';
  detector ??= loadDetector();
  const language = detector.detect(text.slice(0, 1_000)).language;
  return language || 'und';
}
