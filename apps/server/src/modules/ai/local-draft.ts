/**
 * The local provider's reply draft. With no language model offline, it is extractive and says
 * so: a greeting, an acknowledgement fitted to the classification, the units of the best
 * matching articles that answer what was asked (answer-sentences.ts: one per part of the
 * question, by meaning, words and the kind of fact asked for; quoted as written, so no policy is
 * ever made up), and a closing. When no article is close enough, a short holding reply with a
 * low confidence: a guess would be worse than no draft.
 *
 * Confidence (documented in the README):
 *   retrieval = how far the best passage's similarity is above the threshold, scaled to 0..1
 *   coverage  = share of the question's content words found in the quoted sentences and titles
 *   answered  = share of the measurable facts asked for (a time frame for "how long", an amount
 *               for "how much", a number for "how many") that a quote states; 1 when none was asked
 *   confidence = (0.25 + 0.4 × retrieval + 0.25 × coverage + 0.1 × classification confidence)
 *                × (0.6 + 0.4 × answered), × 0.6 when the customer wrote in another language
 *   than English (the local draft is English). A holding reply has 0.1.
 */
import type { AnswerSelection, ScoredUnit } from './answer-sentences.js';

export interface LocalDraftInput {
  accountName: string;
  customerName: string | null;
  category: string | null;
  sentiment: string | null;
  language: string | null;
  classificationConfidence: number | null;
  question: string;
  threshold: number;
  /** Relevant articles, best first, with their similarity (empty: nothing relevant). */
  articles: { articleId: number; title: string; similarity: number }[];
  /** The best article's closest passage, when nothing better is found in it. */
  bestMatch: { title: string; similarity: number } | null;
  answer: AnswerSelection;
}

export interface DraftContent {
  content: string;
  confidence: number;
  reasoning: string;
  sources: { articleId: number; title: string; similarity: number }[];
}

const ACKNOWLEDGEMENTS: Record<string, string> = {
  billing: 'Thank you for reaching out about the charge.',
  refunds: 'Thank you for getting in touch about your refund.',
  shipping: 'Thank you for contacting us about your delivery.',
  technical: 'Thank you for letting us know about the problem you ran into.',
  bug: 'Thank you for reporting this; it helps us fix it.',
  account: 'Thank you for contacting us about your account.',
  feature_request: 'Thank you for the suggestion; we appreciate hearing what would make things better for you.',
};

function empathy(sentiment: string | null): string {
  if (sentiment === 'angry' || sentiment === 'frustrated') return 'I understand how frustrating this is, and I am sorry for the trouble.';
  if (sentiment === 'negative') return 'I am sorry for the inconvenience.';
  return '';
}

const greeting = (name: string | null) => `Hi ${name?.trim().split(/\s+/)[0] || 'there'},`;
const signOff = (accountName: string) => `Best regards,\n${accountName} Support`;

/** The quotes of one article in reading order: prose joined, list items and table rows on lines of their own. */
function quoteBlock(units: ScoredUnit[]): string {
  const lines: string[] = [];
  let leadIn = '';
  for (const unit of units) {
    if (unit.leadIn && unit.leadIn !== leadIn && !units.some((other) => other.text === unit.leadIn)) lines.push(unit.leadIn);
    leadIn = unit.leadIn;
    const numbered = /^\d+[.)]\s/.test(unit.text);
    if (unit.leadIn || numbered) lines.push(numbered ? unit.text : `- ${unit.text}`);
    // Sentences of prose run on; a table row (no sentence end) stands on a line of its own.
    else if (lines.length && /[.!?)"”]$/.test(lines.at(-1)!) && /[.!?)"”]$/.test(unit.text) && !/^(- |\d+[.)]\s)/.test(lines.at(-1)!))
      lines[lines.length - 1] += ` ${unit.text}`;
    else lines.push(unit.text);
  }
  return lines.join('\n');
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function composeLocalDraft(input: LocalDraftInput): DraftContent {
  const acknowledgement = [empathy(input.sentiment), ACKNOWLEDGEMENTS[input.category ?? ''] ?? 'Thank you for your message.'].filter(Boolean).join(' ');
  const foreign = input.language && input.language !== 'en' && input.language !== 'und';
  const languageNote = foreign ? ` The customer wrote in "${input.language}"; the local provider writes English only, so translate before sending.` : '';

  const quoted = input.answer.quoted;

  if (input.articles.length === 0 || quoted.length === 0) {
    const match = input.bestMatch
      ? `the closest is "${input.bestMatch.title}" at ${input.bestMatch.similarity.toFixed(2)}`
      : 'the knowledge base has no published article';
    return {
      content: [
        greeting(input.customerName),
        acknowledgement,
        'I am checking this with the right colleague and will get back to you as soon as I can.',
        signOff(input.accountName),
      ].join('\n\n'),
      confidence: 0.1,
      reasoning: `Extractive draft (local provider): no article covers this question well enough (${match}; a passage needs ${input.threshold.toFixed(2)}), so this is a holding reply that states no policy.${languageNote}`,
      sources: [],
    };
  }

  // Quotes grouped by article (best article first) and in each article's reading order.
  const articleRank = new Map(input.articles.map((article, i) => [article.articleId, i]));
  const ordered = [...quoted].sort((a, b) => (articleRank.get(a.articleId) ?? 99) - (articleRank.get(b.articleId) ?? 99) || a.order - b.order);
  const usedArticles = input.articles.filter((article) => quoted.some((unit) => unit.articleId === article.articleId));
  const paragraphs = usedArticles.map((article) => quoteBlock(ordered.filter((unit) => unit.articleId === article.articleId)));

  const { coverage, needsMet } = input.answer;
  const top = usedArticles[0]!.similarity;
  const retrieval = Math.min(1, Math.max(0, (top - input.threshold) / (0.9 - input.threshold)));
  const confidence = Math.min(
    0.95,
    (0.25 + 0.4 * retrieval + 0.25 * coverage + 0.1 * (input.classificationConfidence ?? 0.5)) * (0.6 + 0.4 * needsMet) * (foreign ? 0.6 : 1),
  );

  const titles = usedArticles.map((article) => `"${article.title}" (${article.similarity.toFixed(2)})`).join(' and ');
  return {
    content: [
      greeting(input.customerName),
      acknowledgement,
      `Here is how this works, from our ${usedArticles.length === 1 ? 'article' : 'articles'} ${usedArticles.map((article) => `“${article.title}”`).join(' and ')}:`,
      ...paragraphs,
      'If anything is unclear or you need more help, just reply to this message.',
      signOff(input.accountName),
    ].join('\n\n'),
    confidence: round2(confidence),
    reasoning:
      `Extractive draft (local provider): quotes the ${quoted.length} sentences of ${titles} that answer the question best, unchanged; ` +
      `retrieval ${round2(retrieval)}, coverage of the question's words ${round2(coverage)}, facts asked for stated ${round2(needsMet)}, ` +
      `classification ${round2(input.classificationConfidence ?? 0.5)}. ` +
      `Check that the quotes answer what was asked.${languageNote}`,
    sources: usedArticles,
  };
}
