/**
 * Articles are split into passages for retrieval: one section (under a Markdown heading) per
 * chunk, long sections cut at paragraph and then sentence boundaries. The size suits both the
 * local encoder (USE-lite averages its words, so a long passage blurs into its topic) and hosted
 * models, so a change of embedding model re-embeds the same chunks without re-chunking.
 */
import { setImmediate } from 'node:timers/promises';

export const CHUNK_TARGET_CHARS = 700;
const CHUNK_MAX_CHARS = 1_000;

export interface Chunk {
  position: number;
  heading: string | null;
  /** Plain text (Markdown syntax removed): what is embedded, searched and quoted. */
  content: string;
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

export function sentencesOf(text: string): string[] {
  return Array.from(sentenceSegmenter.segment(text), (part) => part.segment.trim()).filter(Boolean);
}

/**
 * Markdown to the text a reader sees; HTML tags are dropped, never interpreted. Every pattern
 * runs in time linear in the text (none can scan on from each of many starting points), so a
 * 5 MB article of `[` or `|` costs what any 5 MB article costs.
 */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, '')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/!\[([^[\]]*)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^[ \t]*[-*+][ \t]+/gm, '- ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/^(?=[^\n|]*\|)[-:| \t]+$/gm, '')
    .replace(/\|/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Pieces of at most `max` characters, cut at sentence ends (or anywhere, for a run-on text). */
function splitLong(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let current = '';
  for (const sentence of sentencesOf(text)) {
    for (let start = 0; start < sentence.length; start += max) {
      const part = sentence.slice(start, start + max);
      if (current && current.length + 1 + part.length > max) {
        pieces.push(current);
        current = part;
      } else current = current ? `${current} ${part}` : part;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/**
 * A paragraph longer than this is cut (at a line end or a space) before it is converted, so no
 * single step of chunking works on more than this much text.
 */
const MAX_STEP_CHARS = 32_768;

function* stepsOf(paragraph: string): Generator<string> {
  let start = 0;
  while (paragraph.length - start > MAX_STEP_CHARS) {
    const window = paragraph.slice(start, start + MAX_STEP_CHARS);
    let cut = window.lastIndexOf('\n');
    if (cut < MAX_STEP_CHARS / 2) cut = window.lastIndexOf(' ');
    if (cut < MAX_STEP_CHARS / 2) cut = MAX_STEP_CHARS;
    yield window.slice(0, cut);
    start += cut;
  }
  yield paragraph.slice(start);
}

/**
 * The article's chunks in order, with `null` after each step of work (a paragraph, or a piece
 * of a long one): where chunking a long article may pause.
 */
function* chunking(markdown: string): Generator<Chunk | null> {
  let position = 0;
  let heading: string | null = null;
  let current = '';
  function* flush(): Generator<Chunk> {
    if (current.trim()) yield { position: position++, heading, content: current.trim() };
    current = '';
  }
  function* paragraph(text: string): Generator<Chunk | null> {
    for (const step of stepsOf(text)) {
      for (const piece of splitLong(markdownToText(step), CHUNK_MAX_CHARS)) {
        if (!piece) continue;
        if (current && current.length + 2 + piece.length > CHUNK_TARGET_CHARS) yield* flush();
        current = current ? `${current}\n\n${piece}` : piece;
      }
      yield null;
    }
  }
  for (const block of markdown.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const found = /^\s{0,3}#{1,6}\s+(.+)$/m.exec(block);
    if (found && block.trim().startsWith('#')) {
      // A heading starts a section: the passages of the one before end here.
      yield* flush();
      heading = markdownToText(found[1]!).slice(0, 200);
      const rest = block.trim().split('\n').slice(1).join('\n');
      if (rest.trim()) yield* paragraph(rest);
    } else yield* paragraph(block);
  }
  yield* flush();
}

export function chunkArticle(markdown: string): Chunk[] {
  return [...chunking(markdown)].filter((chunk): chunk is Chunk => chunk !== null);
}

/**
 * The same chunks, computed in slices of about `sliceMs` with the event loop free in between:
 * a 5 MB article takes seconds to chunk, which must not hold up other accounts' requests.
 */
export async function chunkArticleInSlices(markdown: string, sliceMs = 10): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  let sliceStarted = performance.now();
  for (const step of chunking(markdown)) {
    if (step) chunks.push(step);
    else if (performance.now() - sliceStarted >= sliceMs) {
      await setImmediate();
      sliceStarted = performance.now();
    }
  }
  return chunks;
}

/** What is embedded for a chunk: the article and section it belongs to give it its topic. */
export function embeddingText(title: string, chunk: Pick<Chunk, 'heading' | 'content'>): string {
  return [title, chunk.heading && chunk.heading !== title ? chunk.heading : null, chunk.content].filter(Boolean).join('\n');
}
