/**
 * Chunking long and hostile Markdown: in slices that leave the event loop free, with the same
 * result as at once, and in time linear in the text whatever it holds (each pattern used to
 * scan on from every `[`, `<` or `|`: 64 KB of `[` took 11 s, a 5 MB article for ever).
 */
import { describe, expect, it } from 'vitest';
import { chunkArticle, chunkArticleInSlices, markdownToText } from './chunking.js';
import { testArticles } from '../../test-support/knowledge-base-articles.js';

/** A Markdown manual of about `chars` characters: sections, paragraphs, lists, links, a table. */
function manual(chars: number): string {
  const parts: string[] = [];
  for (let i = 0, length = 0; length < chars; i++) {
    const part =
      i % 25 === 0
        ? `## Section ${i}`
        : i % 7 === 0
          ? `| Setting | Value |\n|---|:-:|\n| mode ${i} | [auto](https://example.com/a_(${i})) |`
          : `Step ${i}: check the **guy line** and stake ${i} before the storm; see [the guide](https://example.com/${i}). Then tension them evenly.`;
    parts.push(part);
    length += part.length + 2;
  }
  return parts.join('\n\n');
}

describe('chunking', () => {
  it('gives the same chunks in slices as at once', async () => {
    for (const text of [...testArticles.map((article) => article.content), manual(300_000)]) {
      expect(await chunkArticleInSlices(text)).toEqual(chunkArticle(text));
    }
  });

  it('lets other work run between its slices on a long article', async () => {
    let turns = 0;
    let counting = true;
    const count = () => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const chunks = await chunkArticleInSlices(manual(2_000_000), 5);
    counting = false;
    expect(chunks.length).toBeGreaterThan(2_000);
    expect(turns).toBeGreaterThan(1);
  });

  it('cuts a paragraph of a whole article (no blank line) into passages of at most 1,000 characters', () => {
    const chunks = chunkArticle('word '.repeat(200_000));
    expect(chunks.length).toBeGreaterThan(900);
    expect(Math.max(...chunks.map((chunk) => chunk.content.length))).toBeLessThanOrEqual(1_000);
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_chunk, i) => i));
  });

  // Guarded by the test timeout, not timed: each of these used to run for minutes or hours.
  it.each([
    ['`[`', '['.repeat(1_000_000)],
    ['`![`', '!['.repeat(500_000)],
    ['`<`', '<'.repeat(1_000_000)],
    ['`| `', `${'| '.repeat(500_000)}x`],
    ['`[a](`', '[a]('.repeat(250_000)],
    ['lines of spaces', `${`${' '.repeat(1_000)}\n`.repeat(1_000)}x`],
  ])('chunks a megabyte of %s like any other text', (_name, text) => {
    expect(Array.isArray(chunkArticle(text))).toBe(true);
  });

  it('keeps the text of links (parentheses in the address too), tables and emphasis', () => {
    expect(markdownToText('See [the docs](https://en.wikipedia.org/wiki/Tent_(camping)) and ![a tent](tent.png).')).toBe('See the docs and a tent.');
    expect(markdownToText('| a | b |\n|---|:-:|\n| 1 | 2 |')).toBe('a b \n\n 1 2');
    expect(markdownToText('**Bold**, __strong__, *soft* and `code` <b>tags</b>')).toBe('Bold, strong, soft and code tags');
  });
});
