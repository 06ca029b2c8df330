/**
 * What an uploaded file is, from its bytes: file-type's magic numbers first, then (for files
 * without any) whether the bytes are UTF-8 text. The name a user gave only picks among types
 * the bytes already allow (a text file named .csv is CSV); it never makes bytes something else.
 * A type off the allow-list is refused, and so is text a browser would sniff as HTML or XML
 * (HTML, SVG): such files are never stored, so they can never be served.
 */
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { fileTypeFromStream } from 'file-type';
import { AppError, UnprocessableError } from '../../platform/errors.js';

/** Raster images a browser shows without running anything: the only types served inline. */
export const INLINE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** What file-type may find in an attachment (macro-enabled Office files, executables, fonts and the like are refused). */
const ALLOWED_BY_MAGIC: ReadonlySet<string> = new Set([
  ...INLINE_TYPES,
  'image/avif',
  'image/heic',
  'image/heif',
  'image/bmp',
  'image/tiff',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'application/rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/vnd.ms-outlook',
  'text/calendar',
  'text/vcard',
  'audio/mpeg',
  'audio/mp4',
  'audio/x-m4a',
  'audio/aac',
  'audio/ogg',
  'audio/ogg; codecs=opus',
  'audio/wav',
  'audio/flac',
  'audio/amr',
  'video/mp4',
  'video/x-m4v',
  'video/quicktime',
  'video/webm',
  'video/3gpp',
]);

/** Old Office files are all one container format (CFB); the extension says which program's. */
const CFB_BY_EXTENSION: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  msg: 'application/vnd.ms-outlook',
};

/** UTF-8 text files, by extension; any other text is text/plain. */
const TEXT_BY_EXTENSION: Record<string, string> = { csv: 'text/csv', json: 'application/json' };

/** How a file without magic numbers begins when a browser would take it for HTML or XML (the WHATWG sniffing patterns, and SVG). */
const MARKUP = /^<(?:!--|!doctype|\?xml|(?:html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|svg)(?:[\s>/]|$))/i;

/** How many leading bytes are kept to look for markup. */
const HEAD_BYTES = 512;

export class UnsupportedAttachmentError extends AppError {
  constructor(fileName: string, what: string) {
    super(415, 'unsupported_attachment', `"${fileName}" is ${what}, which cannot be attached`);
  }
}

export class AttachmentTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super(413, 'attachment_too_large', `An attachment may be at most ${formatBytes(maxBytes)}`);
  }
}

const formatBytes = (bytes: number) => (bytes >= 1_048_576 ? `${+(bytes / 1_048_576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

/** What streaming a file through `inspect` learnt about it. */
export interface Inspection {
  size: number;
  /** The first HEAD_BYTES bytes. */
  head: Buffer;
  /** Every byte is UTF-8 text (and none is NUL). */
  text: boolean;
}

/**
 * Passes a file's bytes on while counting them (more than `maxBytes` fails the stream, so a
 * write stops there) and checking, chunk by chunk, whether they are text. `done` holds the
 * findings once the stream has ended.
 */
export function inspect(source: AsyncIterable<Buffer>, maxBytes: number): { bytes: AsyncGenerator<Buffer>; done: () => Inspection } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const found: Inspection = { size: 0, head: Buffer.alloc(0), text: true };
  async function* bytes() {
    for await (const chunk of source) {
      found.size += chunk.length;
      if (found.size > maxBytes) throw new AttachmentTooLargeError(maxBytes);
      if (found.head.length < HEAD_BYTES) found.head = Buffer.concat([found.head, chunk.subarray(0, HEAD_BYTES - found.head.length)]);
      if (found.text) found.text = isTextChunk(decoder, chunk);
      yield chunk;
    }
    if (found.text) found.text = isTextChunk(decoder);
  }
  return { bytes: bytes(), done: () => found };
}

function isTextChunk(decoder: TextDecoder, chunk?: Buffer): boolean {
  if (chunk?.includes(0)) return false;
  try {
    // `stream: true` keeps a character split between two chunks for the next one.
    decoder.decode(chunk, { stream: chunk !== undefined });
    return true;
  } catch {
    return false;
  }
}

/** The type of stored bytes by their magic numbers (file-type reads only what it needs). */
export async function sniff(stored: Readable): Promise<string | undefined> {
  try {
    return (await fileTypeFromStream(stored))?.mime;
  } finally {
    stored.destroy();
  }
}

/** The content type to store and serve the file as; refuses what may not be attached. */
export function attachmentType(fileName: string, sniffed: string | undefined, inspection: Inspection): string {
  if (inspection.size === 0) throw new UnprocessableError('empty_attachment', `"${fileName}" is empty`);
  const extension = /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (sniffed === 'application/x-cfb') {
    const type = CFB_BY_EXTENSION[extension];
    if (type) return type;
    throw new UnsupportedAttachmentError(fileName, 'an OLE container that is not a .doc, .xls, .ppt or .msg file');
  }
  if (sniffed) {
    if (ALLOWED_BY_MAGIC.has(sniffed)) return sniffed;
    throw new UnsupportedAttachmentError(fileName, `of type ${sniffed}`);
  }
  if (!inspection.text) throw new UnsupportedAttachmentError(fileName, 'of a type that is not recognised');
  const start = inspection.head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (MARKUP.test(start)) throw new UnsupportedAttachmentError(fileName, 'HTML, SVG or XML');
  return TEXT_BY_EXTENSION[extension] ?? 'text/plain';
}
