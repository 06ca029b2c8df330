/**
 * Bulk-import sources turned into articles: Markdown files of a folder (the web app reads a
 * picked folder and sends its files) or of a zip archive. A file's title is its front matter's
 * `title`, else its first `# heading`, else its file name; its category is the front matter's
 * `category`, else the folder it is in.
 */
import { unzipSync } from 'fflate';
import { UnprocessableError } from '../../platform/errors.js';
import type { ArticleInput } from './articles.repo.js';
import { MAX_ARTICLE_CHARS, MAX_IMPORT_ITEMS } from './knowledge-base.schema.js';

const MARKDOWN = /\.(md|markdown|mdx|txt)$/i;
/** A zip may not unpack to more than this: a small archive can expand a thousandfold. */
export const MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;

export interface ImportIssue {
  title: string;
  error: string;
}

export function unzipMarkdown(archive: Uint8Array): { path: string; content: string }[] {
  let unpacked = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(archive, {
      filter: (file) => {
        if (!MARKDOWN.test(file.name) || file.name.startsWith('__MACOSX/') || /(^|\/)\./.test(file.name)) return false;
        unpacked += file.originalSize;
        if (unpacked > MAX_UNZIPPED_BYTES) throw new UnprocessableError('archive_too_large', `The archive unpacks to more than ${MAX_UNZIPPED_BYTES / 1024 / 1024} MB`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof UnprocessableError) throw error;
    throw new UnprocessableError('invalid_archive', 'The body is not a readable zip archive');
  }
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return Object.entries(files)
    .filter(([, data]) => data.length > 0)
    .map(([path, data]) => ({ path, content: decoder.decode(data) }));
}

function frontMatter(text: string): { fields: Record<string, string>; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return { fields: {}, body: text };
  const fields: Record<string, string> = {};
  for (const line of match[1]!.split(/\r?\n/)) {
    const field = /^([A-Za-z_]+)\s*:\s*(.*)$/.exec(line);
    if (field) fields[field[1]!.toLowerCase()] = field[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return { fields, body: text.slice(match[0].length) };
}

const humanise = (name: string) => {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** One Markdown file as an article, or why it cannot be one. */
export function articleFromFile(file: { path: string; content: string }): ArticleInput | ImportIssue {
  const parts = file.path.replace(/\\/g, '/').split('/').filter(Boolean);
  const name = (parts.at(-1) ?? file.path).replace(MARKDOWN, '');
  const { fields, body } = frontMatter(file.content.replace(/^\uFEFF/, ''));
  const heading = /^\s{0,3}#\s+(.+)$/m.exec(body)?.[1]?.trim();
  const title = (fields.title || heading || humanise(name)).slice(0, 200);
  if (!body.trim()) return { title, error: 'The file is empty' };
  if (body.length > MAX_ARTICLE_CHARS) return { title, error: `The article is longer than ${MAX_ARTICLE_CHARS} characters` };
  const category = (fields.category || (parts.length > 1 ? parts.at(-2)! : '')).replace(/[^\p{L}\p{N}_ -]/gu, '').slice(0, 50) || null;
  const status = fields.status === 'draft' ? 'draft' : 'published';
  return { title, content: body, category, status };
}

/** The items of an import, in order; a later item with the same title replaces an earlier one. */
export function importItems(input: { articles?: ArticleInput[] | undefined; files?: { path: string; content: string }[] | undefined }) {
  const items: ArticleInput[] = [...(input.articles ?? [])];
  const issues: ImportIssue[] = [];
  for (const file of input.files ?? []) {
    const parsed = articleFromFile(file);
    if ('error' in parsed) issues.push(parsed);
    else items.push(parsed);
  }
  if (items.length + issues.length > MAX_IMPORT_ITEMS) throw new UnprocessableError('too_many_articles', `An import holds at most ${MAX_IMPORT_ITEMS} articles`);
  if (items.length === 0) throw new UnprocessableError('nothing_to_import', issues.length ? `No importable article: ${issues[0]!.error}` : 'No article to import');
  return { items, issues };
}
