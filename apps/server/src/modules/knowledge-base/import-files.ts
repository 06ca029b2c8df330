/**
 * Bulk-import sources turned into articles: Markdown files of a folder (the web app reads a
 * picked folder and sends its files) or of a zip archive. A file's title is its front matter's
 * `title`, else its first `# heading`, else its file name; its category is the front matter's
 * `category`, else the folder it is in.
 *
 * A zip is read as a stream, a slice at a time, its files inflated by Node's zlib in the libuv
 * thread pool (off the event loop), counting the bytes each really inflates to: the sizes an
 * archive declares are not believed (1 MB can declare 100 bytes and inflate to 1 GiB), and
 * reading stops at the first limit.
 */
import { setImmediate } from 'node:timers/promises';
import { createInflateRaw } from 'node:zlib';
import { Unzip } from 'fflate';
import { UnprocessableError } from '../../platform/errors.js';
import type { ArticleInput } from './articles.repo.js';
import { MAX_ARTICLE_CHARS, MAX_IMPORT_BYTES, MAX_IMPORT_ITEMS } from './knowledge-base.schema.js';

const MARKDOWN = /\.(md|markdown|mdx|txt)$/i;
/** Entries of any kind (folders, images, ...) an archive may hold. */
export const MAX_ARCHIVE_ENTRIES = 10_000;
/** A Markdown file may not inflate to more than this (an article is at most 5,000,000 characters). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Bytes of archive read at a time: at most about 8 MB of output (deflate's 1:1032). */
const SLICE_BYTES = 8 * 1024;
/** Work done between two turns of the event loop, at most about. */
const SLICE_MS = 10;

const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

export interface ImportIssue {
  title: string;
  error: string;
}

/** The archive's end-of-central-directory record is there (a zip, not something else, and not cut short). */
function endsLikeZip(archive: Uint8Array): boolean {
  for (let i = archive.length - 22; i >= Math.max(0, archive.length - 22 - 65_535); i--) {
    if (archive[i] === 0x50 && archive[i + 1] === 0x4b && archive[i + 2] === 0x05 && archive[i + 3] === 0x06) return true;
  }
  return false;
}

/**
 * fflate's decoder of deflated entries, inflating with Node's zlib in the thread pool. Each
 * write is in `writing` until zlib has taken it (or the stream has ended or failed), so the
 * reader can wait for it.
 */
function threadPoolInflate(writing: Set<Promise<void>>) {
  return class ThreadPoolInflate {
    static readonly compression = 8;
    /** Set by fflate. */
    ondata: (error: Error | null, data: Uint8Array, final: boolean) => void = () => undefined;
    // Output in pieces of 256 KB: each costs a turn of the event loop, and the limits are checked per piece.
    private readonly stream = createInflateRaw({ chunkSize: 256 * 1024 });
    private readonly unwritten = new Set<() => void>();

    constructor() {
      this.stream.on('data', (data: Buffer) => this.ondata(null, data, false));
      this.stream.on('end', () => this.ondata(null, new Uint8Array(0), true));
      this.stream.on('error', (error) => this.ondata(error, new Uint8Array(0), true));
      // A write in progress when zlib fails is never called back.
      this.stream.on('close', () => {
        for (const resolve of this.unwritten) resolve();
      });
    }

    push(chunk: Uint8Array, final: boolean) {
      if (this.stream.destroyed) return;
      const written = new Promise<void>((resolve) => {
        this.unwritten.add(resolve);
        this.stream.write(chunk, () => {
          this.unwritten.delete(resolve);
          resolve();
        });
      });
      writing.add(written);
      void written.then(() => writing.delete(written));
      if (final) this.stream.end();
    }

    terminate() {
      this.stream.destroy();
    }
  };
}

/** The Markdown files of a zip archive, in archive order (empty ones left out). */
export async function unzipMarkdown(archive: Uint8Array): Promise<{ path: string; content: string }[]> {
  const invalid = () => new UnprocessableError('invalid_archive', 'The body is not a readable zip archive');
  if (!endsLikeZip(archive)) throw invalid();
  const files: { path: string; parts: Uint8Array[]; bytes: number; read: Promise<void>; stop: () => void }[] = [];
  const writing = new Set<Promise<void>>();
  let entries = 0;
  let unpacked = 0;
  let refused: Error | undefined;
  const unzip = new Unzip((file) => {
    entries += 1;
    if (entries > MAX_ARCHIVE_ENTRIES)
      refused ??= new UnprocessableError('too_many_files', `An archive may hold at most ${MAX_ARCHIVE_ENTRIES} files and folders`);
    if (refused || !MARKDOWN.test(file.name) || file.name.startsWith('__MACOSX/') || /(^|\/)\./.test(file.name)) return;
    if (files.length >= MAX_IMPORT_ITEMS) {
      refused = new UnprocessableError('too_many_articles', `An import holds at most ${MAX_IMPORT_ITEMS} articles`);
      return;
    }
    let finished = () => undefined as void;
    const entry = {
      path: file.name,
      parts: [] as Uint8Array[],
      bytes: 0,
      read: new Promise<void>((resolve) => (finished = resolve)),
      stop: () => file.terminate(),
    };
    files.push(entry);
    file.ondata = (error, data, final) => {
      if (error) refused ??= invalid();
      if (refused) return finished();
      entry.bytes += data.length;
      unpacked += data.length;
      if (entry.bytes > MAX_FILE_BYTES) {
        refused = new UnprocessableError(
          'file_too_large',
          `${file.name} unpacks to more than ${megabytes(MAX_FILE_BYTES)}: an article holds at most ${MAX_ARTICLE_CHARS.toLocaleString('en')} characters`,
        );
      } else if (unpacked > MAX_IMPORT_BYTES) {
        refused = new UnprocessableError('archive_too_large', `The archive's Markdown files unpack to more than ${megabytes(MAX_IMPORT_BYTES)}`);
      } else if (data.length > 0) entry.parts.push(data);
      if (final || refused) finished();
    };
    file.start();
  });
  unzip.register(threadPoolInflate(writing));
  let sliceStarted = performance.now();
  try {
    for (let offset = 0; offset < archive.length && !refused; offset += SLICE_BYTES) {
      unzip.push(archive.subarray(offset, offset + SLICE_BYTES), offset + SLICE_BYTES >= archive.length);
      // Inflated in the thread pool: the next slice waits for this one, so reading stops at a limit.
      if (writing.size > 0) await Promise.all(writing);
      if (performance.now() - sliceStarted >= SLICE_MS) {
        await setImmediate();
        sliceStarted = performance.now();
      }
    }
    if (!refused) await Promise.all(files.map((file) => file.read));
  } catch {
    refused ??= invalid();
  }
  if (refused) {
    for (const file of files) file.stop();
    throw refused;
  }
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return files.filter((file) => file.bytes > 0).map((file) => ({ path: file.path, content: decoder.decode(Buffer.concat(file.parts)) }));
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

/**
 * The items of an import, in order; a later item with the same title replaces an earlier one.
 * At most `MAX_IMPORT_ITEMS` of them and `MAX_IMPORT_BYTES` of content, read a few files per
 * turn of the event loop.
 */
export async function importItems(input: { articles?: ArticleInput[] | undefined; files?: { path: string; content: string }[] | undefined }) {
  const items: ArticleInput[] = [...(input.articles ?? [])];
  const issues: ImportIssue[] = [];
  const count = items.length + (input.files?.length ?? 0);
  if (count > MAX_IMPORT_ITEMS) throw new UnprocessableError('too_many_articles', `An import holds at most ${MAX_IMPORT_ITEMS} articles`);
  const size = [...items, ...(input.files ?? [])].reduce((sum, item) => sum + item.content.length, 0);
  if (size > MAX_IMPORT_BYTES) throw new UnprocessableError('import_too_large', `An import holds at most ${megabytes(MAX_IMPORT_BYTES)} of content`);
  let sliceStarted = performance.now();
  for (const file of input.files ?? []) {
    const parsed = articleFromFile(file);
    if ('error' in parsed) issues.push(parsed);
    else items.push(parsed);
    if (performance.now() - sliceStarted >= SLICE_MS) {
      await setImmediate();
      sliceStarted = performance.now();
    }
  }
  if (items.length === 0)
    throw new UnprocessableError('nothing_to_import', issues.length ? `No importable article: ${issues[0]!.error}` : 'No article to import');
  return { items, issues };
}
