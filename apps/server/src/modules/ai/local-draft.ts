/**
 * The local provider's reply draft. With no language model offline, it is extractive and says
 * so: a greeting, an acknowledgement fitted to the classification, the sentences of the best
 * matching articles that are closest to the question (quoted as written, so no policy is ever
 * made up), and a closing. When no article is close enough, a short holding reply with a low
 * confidence: a guess would be worse than no draft.
 *
 * Confidence (documented in the README):
 *   retrieval = how far the best passage's similarity is above the threshold, scaled to 0..1
 *   coverage  = share of the question's content words found in the quoted sentences and titles
 *   confidence = 0.25 + 0.4 × retrieval + 0.25 × coverage + 0.1 × classification confidence,
 *   × 0.6 when the customer wrote in another language than English (the local draft is English).
 *   A holding reply has 0.1.
 */
import { sentencesOf } from '../knowledge-base/chunking.js';

export interface ScoredSentence {
  text: string;
  articleId: number;
  title: string;
  /** Position of its passage in the article, then within the passage: keeps quotes in reading order. */
  order: number;
  similarity: number;
}

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
  sentences: ScoredSentence[];
}

export interface DraftContent {
  content: string;
  confidence: number;
  reasoning: string;
  sources: { articleId: number; title: string; similarity: number }[];
}

const MAX_QUOTED = 3;
/** A sentence less similar than this to the question is not worth quoting at all. */
const MIN_SENTENCE_SIMILARITY = 0.25;
const PRIMARY_BONUS = 0.05;
const STOP_WORDS = new Set(
  'a an and are as at be been but by can could did do does for from had has have hello hi how i if in into is it its just me my no not of on or our please so than that the their them then there these they this to too us was we were what when where which who why will with would you your yours thanks thank help'.split(
    ' ',
  ),
);

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

/** Content words, reduced to a crude stem so "charged" meets "charge". */
export function keywords(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}#-]{3,}/gu) ?? []).filter((word) => !STOP_WORDS.has(word)).map((word) => word.slice(0, 6)));
}

/** Sentences worth quoting: statements of a sensible length (not questions, not fragments). */
export function quotableSentences(passage: string): string[] {
  return passage
    .split(/\n+/)
    .flatMap((line) => sentencesOf(line.replace(/^- /, '')))
    .filter((sentence) => sentence.length >= 25 && sentence.length <= 400 && /[.!)"”]$/.test(sentence));
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function composeLocalDraft(input: LocalDraftInput): DraftContent {
  const acknowledgement = [empathy(input.sentiment), ACKNOWLEDGEMENTS[input.category ?? ''] ?? 'Thank you for your message.'].filter(Boolean).join(' ');
  const foreign = input.language && input.language !== 'en' && input.language !== 'und';
  const languageNote = foreign ? ` The customer wrote in "${input.language}"; the local provider writes English only, so translate before sending.` : '';

  // The best article is preferred: a second one is quoted only where it is clearly closer.
  const primary = input.articles[0]?.articleId;
  const weight = (sentence: ScoredSentence) => sentence.similarity + (sentence.articleId === primary ? PRIMARY_BONUS : 0);
  const best = input.sentences.reduce((top, sentence) => Math.max(top, sentence.similarity), 0);
  const quoted = input.sentences
    .filter((sentence) => sentence.similarity >= Math.max(MIN_SENTENCE_SIMILARITY, best - 0.15))
    .sort((a, b) => weight(b) - weight(a))
    .slice(0, MAX_QUOTED);

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
  quoted.sort((a, b) => articleRank.get(a.articleId)! - articleRank.get(b.articleId)! || a.order - b.order);
  const usedArticles = input.articles.filter((article) => quoted.some((sentence) => sentence.articleId === article.articleId));
  const paragraphs = usedArticles.map((article) =>
    quoted
      .filter((sentence) => sentence.articleId === article.articleId)
      .map((sentence) => sentence.text)
      .join(' '),
  );

  const asked = keywords(input.question);
  const covered = keywords([...quoted.map((sentence) => sentence.text), ...usedArticles.map((article) => article.title)].join(' '));
  const coverage = asked.size === 0 ? 0 : [...asked].filter((word) => covered.has(word)).length / asked.size;
  const top = usedArticles[0]!.similarity;
  const retrieval = Math.min(1, Math.max(0, (top - input.threshold) / (0.9 - input.threshold)));
  const confidence = Math.min(0.95, (0.25 + 0.4 * retrieval + 0.25 * coverage + 0.1 * (input.classificationConfidence ?? 0.5)) * (foreign ? 0.6 : 1));

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
      `Extractive draft (local provider): quotes the ${quoted.length} sentences of ${titles} closest to the question, unchanged; ` +
      `retrieval ${round2(retrieval)}, coverage of the question's words ${round2(coverage)}, classification ${round2(input.classificationConfidence ?? 0.5)}. ` +
      `Check that the quotes answer what was asked.${languageNote}`,
    sources: usedArticles,
  };
}
