/**
 * Articles are split into passages for retrieval: one section (under a Markdown heading) per
 * chunk, long sections cut at paragraph and then sentence boundaries. The size suits both the
 * local encoder (USE-lite averages its words, so a long passage blurs into its topic) and hosted
 * models, so a change of embedding model re-embeds the same chunks without re-chunking.
 */
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

/** Markdown to the text a reader sees; HTML tags are dropped, never interpreted. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n?/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '- ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/^\s*\|?[-:| ]+\|[-:| ]*$/gm, '')
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

export function chunkArticle(markdown: string): Chunk[] {
  const sections: { heading: string | null; paragraphs: string[] }[] = [{ heading: null, paragraphs: [] }];
  for (const block of markdown.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const heading = /^\s{0,3}#{1,6}\s+(.+)$/m.exec(block);
    if (heading && block.trim().startsWith('#')) {
      sections.push({ heading: markdownToText(heading[1]!).slice(0, 200), paragraphs: [] });
      const rest = block.trim().split('\n').slice(1).join('\n');
      if (rest.trim()) sections.at(-1)!.paragraphs.push(rest);
    } else sections.at(-1)!.paragraphs.push(block);
  }

  const chunks: Chunk[] = [];
  for (const section of sections) {
    let current = '';
    const flush = () => {
      if (current.trim()) chunks.push({ position: chunks.length, heading: section.heading, content: current.trim() });
      current = '';
    };
    for (const paragraph of section.paragraphs) {
      for (const piece of splitLong(markdownToText(paragraph), CHUNK_MAX_CHARS)) {
        if (!piece) continue;
        if (current && current.length + 2 + piece.length > CHUNK_TARGET_CHARS) flush();
        current = current ? `${current}\n\n${piece}` : piece;
      }
    }
    flush();
  }
  return chunks;
}

/** What is embedded for a chunk: the article and section it belongs to give it its topic. */
export function embeddingText(title: string, chunk: Pick<Chunk, 'heading' | 'content'>): string {
  return [title, chunk.heading && chunk.heading !== title ? chunk.heading : null, chunk.content].filter(Boolean).join('\n');
}
