/**
 * The sentences a local draft quotes: the retrieved passages cut into quotable units (a prose
 * sentence, a list item with the sentence that introduces it, a table row), each scored against
 * every part of the question by
 *   - meaning: the sentence embedding's cosine to the part (the whole question when it has one);
 *   - words: the share of the part's content words (stemmed, weighted by how rare they are among
 *     the candidates) in the unit and, at a lower weight, in its section heading;
 *   - fact kind: whether it states the kind of fact asked for (a time frame for "how long", an
 *     amount for "how much"...), in itself or, at half weight, by its heading; and a little for
 *     any concrete fact, since a yes/no answer is more use with its provider or limit.
 * Then one unit per part is chosen (the best one), and the rest of the quotes go to units nearly
 * as good that add a fact kind or a word the others lack. Units are quoted as written.
 */
import { cosineSimilarity, type Embedder } from '../../platform/ai/embeddings.js';
import { toEnglishQuery } from '../../platform/ai/multilingual/english-terms.js';
import { sentencesOf } from '../knowledge-base/chunking.js';
import type { Passage } from '../knowledge-base/search.js';
import {
  contentWords,
  factKindsOf,
  MAX_QUESTION_CHARS,
  MEASURABLE_KINDS,
  needsOf,
  questionParts,
  type FactKind,
  type QuestionPart,
} from './answer-question.js';

const MAX_CANDIDATES = 80;
/** A question word found only in the unit's heading (or its table's header) counts this much of one found in the unit. */
const CONTEXT_WEIGHT = 0.5;
const MAX_QUOTED = 3;
const MAX_UNIT_CHARS = 400;
const WEIGHTS = { meaning: 0.4, words: 0.35, kind: 0.25 };
/** A unit scoring below this answers nothing asked. */
const MIN_SCORE = 0.3;
/** Items of a list quoted with the sentence that introduces it, at most. */
const MAX_LIST_ITEMS = 5;
/** Preference, among the other quotes, for one that states a kind of fact or a word of the question the others lack. */
const NOVELTY_BONUS = 0.05;
/** Units after each part's best are quoted only when this close to the best score. */
const FILL_MARGIN = 0.2;
const PRIMARY_BONUS = 0.03;
/** Per concrete fact a unit states (a time frame, an amount, a number, a name), up to two: "yes, with Klarna" beats "yes". */
const CONCRETE_BONUS = 0.04;
const CONCRETE_KINDS: FactKind[] = ['duration', 'amount', 'quantity', 'name'];

export interface SourceArticle {
  articleId: number;
  title: string;
  passages: Pick<Passage, 'heading' | 'content'>[];
}

export interface AnswerUnit {
  /** As written. */
  text: string;
  /** The sentence introducing the list the unit is an item of ("We accept:"), quoted before it; else ''. */
  leadIn: string;
  articleId: number;
  title: string;
  heading: string | null;
  /** Position in the passages handed over (best passage first), then in the passage. */
  order: number;
  /** Which paragraph of which passage it is in: a list, a table and a paragraph of prose are each one. */
  paragraph: number;
  kinds: Set<FactKind>;
  words: Set<string>;
  /** Words that describe it without being quoted: its heading, its table's header. */
  contextWords: Set<string>;
  headingNeeds: Set<FactKind>;
}

export interface ScoredUnit extends AnswerUnit {
  similarity: number;
  score: number;
}

export interface AnswerSelection {
  quoted: ScoredUnit[];
  parts: QuestionPart[];
  /** Share of the measurable facts asked for (durations, amounts, quantities) that a quote states; 1 when none was asked. */
  needsMet: number;
  /** Share of the question's content words in the quotes and their articles' titles. */
  coverage: number;
}

const SENTENCE_END = /[.!?)"”:]$/;
const LIST_ITEM = /^(?:- |\d+[.)]\s)/;
const NUMBERED = /^\d+[.)]\s/;
/** A unit shorter than this is a label or a heading-like line, quoted with the sentence after it. */
const SHORT_UNIT = 50;

/** The quotable units of a passage's plain text, in reading order. */
export function answerUnits(passage: Pick<Passage, 'heading' | 'content'>): { text: string; leadIn: string; context: string; paragraph: number }[] {
  const units: { text: string; leadIn: string; context: string; paragraph: number }[] = [];
  let before = '';
  for (const [paragraphIndex, paragraph] of passage.content.split(/\n\s*\n/).entries()) {
    const push = (unit: { text: string; leadIn: string; context: string }) => units.push({ ...unit, paragraph: paragraphIndex });
    const lines = paragraph
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const prose = lines.length === 1 && SENTENCE_END.test(lines[0]!) && !LIST_ITEM.test(lines[0]!);
    if (prose) {
      const sentences = sentencesOf(lines[0]!);
      for (const sentence of sentences) if (sentence.length >= 12) push({ text: sentence, leadIn: '', context: '' });
      before = sentences.at(-1) ?? '';
      continue;
    }
    // A list keeps its lead-in ("We accept:"); a table row (a line that is no sentence) keeps its header as context.
    const leadIn = before.endsWith(':') ? before : '';
    const header = lines.length > 1 && !SENTENCE_END.test(before) ? before : '';
    for (const line of lines) {
      const item = line.replace(/^- /, '');
      if (LIST_ITEM.test(line) || SENTENCE_END.test(line)) {
        const text = item.length > MAX_UNIT_CHARS ? (sentencesOf(item)[0] ?? item) : item;
        push({ text, leadIn, context: leadIn });
      } else push({ text: item, leadIn: '', context: header });
    }
    before = lines.at(-1) ?? '';
  }
  return units.filter((unit) => unit.text.length <= MAX_UNIT_CHARS * 1.5 && /\p{L}/u.test(unit.text));
}

function candidateUnits(articles: SourceArticle[]): AnswerUnit[] {
  const units: AnswerUnit[] = articles
    .flatMap((article) =>
      article.passages.flatMap((passage, p) =>
        answerUnits(passage).map((unit, u) => ({
          text: unit.text,
          leadIn: unit.leadIn,
          articleId: article.articleId,
          title: article.title,
          heading: passage.heading,
          order: p * 1_000 + u,
          paragraph: p * 1_000 + unit.paragraph,
          kinds: factKindsOf(unit.text),
          words: contentWords(unit.text),
          contextWords: contentWords(`${passage.heading ?? ''} ${unit.context}`),
          headingNeeds: needsOf(passage.heading ?? ''),
        })),
      ),
    )
    .slice(0, MAX_CANDIDATES);
  // A sentence introducing a list is quoted with its items, so it states what they state.
  for (const unit of units) {
    if (unit.text.endsWith(':')) for (const item of units) if (item.leadIn === unit.text) for (const kind of item.kinds) unit.kinds.add(kind);
  }
  return units;
}

/** Inverse document frequency of each word among the candidates: "bike" on every line says little. */
function rarity(units: AnswerUnit[]) {
  const frequency = new Map<string, number>();
  for (const unit of units) for (const word of new Set([...unit.words, ...unit.contextWords])) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  return (word: string) => Math.log(1 + units.length / (1 + (frequency.get(word) ?? 0)));
}

function wordScore(part: QuestionPart, unit: AnswerUnit, weight: (word: string) => number): number {
  let total = 0;
  let found = 0;
  for (const word of part.words) {
    total += weight(word);
    if (unit.words.has(word)) found += weight(word);
    else if (unit.contextWords.has(word)) found += weight(word) * CONTEXT_WEIGHT;
  }
  return total === 0 ? 0 : found / total;
}

function kindScore(part: QuestionPart, unit: AnswerUnit): number {
  if (part.needs.size === 0) return 0;
  const needs = [...part.needs];
  const stated = needs.filter((kind) => unit.kinds.has(kind)).length;
  const headed = needs.filter((kind) => !unit.kinds.has(kind) && unit.headingNeeds.has(kind)).length;
  return (stated + headed / 2) / needs.length;
}

/** Scores the units of the given articles (best first) against the question and picks the quotes. */
export async function selectAnswer(embedder: Embedder, question: string, articles: SourceArticle[]): Promise<AnswerSelection> {
  // The encoder reads English only: a question in another language is embedded in its English words.
  const english = toEnglishQuery(question.slice(0, MAX_QUESTION_CHARS));
  const parts = questionParts(question, english.language);
  const units = candidateUnits(articles);
  if (units.length === 0) return { quoted: [], parts, needsMet: 0, coverage: 0 };
  const texts = parts.length > 1 ? parts.map((part) => part.english) : [english.text];
  const vectors = await embedder.embed([...texts, ...units.map((unit) => unit.text)]);
  const askedVectors = vectors.slice(0, texts.length);
  const unitVectors = vectors.slice(texts.length);
  const weight = rarity(units);
  const primary = articles[0]?.articleId;

  // scores[p][u]: how well unit u answers part p.
  const scores = parts.map((part, p) =>
    units.map((unit, u) => {
      // Each part of a two-part question by its own meaning, so the parts do not all pick what the whole is closest to.
      const meaning = cosineSimilarity(askedVectors[parts.length > 1 ? p : 0]!, unitVectors[u]!);
      const score =
        WEIGHTS.meaning * meaning +
        WEIGHTS.words * wordScore(part, unit, weight) +
        WEIGHTS.kind * kindScore(part, unit) +
        CONCRETE_BONUS * Math.min(2, CONCRETE_KINDS.filter((kind) => unit.kinds.has(kind)).length) +
        (unit.articleId === primary ? PRIMARY_BONUS : 0);
      return { meaning, score };
    }),
  );
  const scored: ScoredUnit[] = units.map((unit, u) => ({
    ...unit,
    similarity: Math.round(Math.max(...scores.map((row) => row[u]!.meaning)) * 1000) / 1000,
    score: Math.round(Math.max(...scores.map((row) => row[u]!.score)) * 1000) / 1000,
  }));

  const chosen = new Set<number>();
  parts.forEach((_, p) => {
    const ranked = scores[p]!.map((entry, u) => ({ u, score: entry.score })).sort((a, b) => b.score - a.score);
    const best = ranked.find((entry) => !chosen.has(entry.u));
    if (best && best.score >= MIN_SCORE && chosen.size < MAX_QUOTED) chosen.add(best.u);
  });
  // The other quotes: units nearly as good as the best, those adding something new first.
  const top = Math.max(...scored.map((unit) => unit.score));
  const addsSomething = (candidate: ScoredUnit) => {
    const taken = [...chosen].map((u) => scored[u]!);
    const addsKind = [...candidate.kinds].some(
      (kind) => (parts.some((part) => part.needs.has(kind)) || CONCRETE_KINDS.includes(kind)) && !taken.some((unit) => unit.kinds.has(kind)),
    );
    const addsWord = parts.some((part) => [...part.words].some((word) => candidate.words.has(word) && !taken.some((unit) => unit.words.has(word))));
    return addsKind || addsWord;
  };
  while (chosen.size < MAX_QUOTED) {
    const next = scored
      .map((unit, u) => ({ u, value: unit.score + (addsSomething(unit) ? NOVELTY_BONUS : 0) }))
      .filter(({ u }) => !chosen.has(u) && scored[u]!.score >= Math.max(MIN_SCORE, top - FILL_MARGIN))
      .sort((a, b) => b.value - a.value)[0];
    if (!next) break;
    chosen.add(next.u);
  }

  // Some units say little alone: a sentence introducing a list ("our policy is simple:") needs
  // its items, a numbered step the other steps, a short label ("E-SYNC-403 – Sync not available.")
  // the sentence that explains it.
  for (const u of [...chosen]) {
    const unit = scored[u]!;
    const siblings = scored.map((other, i) => ({ other, i })).filter(({ other }) => other.articleId === unit.articleId && other.paragraph === unit.paragraph);
    if (unit.text.endsWith(':')) {
      scored.forEach((item, i) => {
        if (item.leadIn === unit.text && item.articleId === unit.articleId && i > u && i - u <= MAX_LIST_ITEMS) chosen.add(i);
      });
    } else if (NUMBERED.test(unit.text)) {
      for (const { other, i } of siblings.slice(0, MAX_LIST_ITEMS)) if (NUMBERED.test(other.text)) chosen.add(i);
    } else if (unit.text.length < SHORT_UNIT) {
      const next = siblings.find(({ i }) => i > u);
      if (next) chosen.add(next.i);
    }
  }
  const quoted = [...chosen].map((u) => scored[u]!);
  const measurable = parts.flatMap((part) => [...part.needs].filter((kind) => MEASURABLE_KINDS.has(kind)));
  const needsMet = measurable.length === 0 ? 1 : measurable.filter((kind) => quoted.some((unit) => unit.kinds.has(kind))).length / measurable.length;
  const asked = new Set(parts.flatMap((part) => [...part.words]));
  const covered = new Set(quoted.flatMap((unit) => [...unit.words, ...contentWords(unit.title)]));
  const coverage = asked.size === 0 ? 0 : [...asked].filter((word) => covered.has(word)).length / asked.size;
  return { quoted, parts, needsMet, coverage };
}
