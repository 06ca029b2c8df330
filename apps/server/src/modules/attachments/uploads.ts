/**
 * Reading a multipart message (text fields plus files `attachments`) as it streams in: each
 * file goes to storage under a new random key while it is counted (the first byte over the
 * limit stops it) and checked, then its type is read from the stored bytes. Nothing is held in
 * memory but a file's first bytes. When anything fails, every file this request wrote is
 * removed before the error answers.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { TObject } from 'typebox';
import { AppError, BadRequestError } from '../../platform/errors.js';
import type { FileStorage } from '../../platform/storage/storage.js';
import { attachmentType, inspect, sniff } from './content-type.js';

/** The field multipart files of a message come in. */
export const FILE_FIELD = 'attachments';
/** Text fields are short (a message's content is at most 20,000 characters, 4 bytes each at worst). */
const FIELD_MAX_BYTES = 100_000;

export interface AttachmentLimits {
  /** Largest file, in bytes (ATTACHMENT_MAX_BYTES). */
  maxBytes: number;
  /** Most files in one message. */
  maxFiles: number;
}

/** A file written to storage, not yet a row. */
export interface StoredFile {
  key: string;
  fileName: string;
  contentType: string;
  size: number;
}

export interface Upload {
  /** The text fields, as sent (each at most once, only those the schema names). */
  fields: Record<string, string>;
  files: StoredFile[];
}

/**
 * Reads the request's parts; files are stored under `folder` (a storage prefix without the
 * trailing `/`), fields must be among `Fields`' properties.
 */
export async function receiveUpload(
  request: FastifyRequest,
  { storage, limits, folder, Fields }: { storage: FileStorage; limits: AttachmentLimits; folder: string; Fields: TObject },
): Promise<Upload> {
  const upload: Upload = { fields: {}, files: [] };
  const parts = request.parts({
    // One byte over the limit reaches `inspect`, which refuses the file; busboy stops reading there.
    limits: { fileSize: limits.maxBytes + 1, files: limits.maxFiles, fields: 20, fieldSize: FIELD_MAX_BYTES, parts: limits.maxFiles + 20 },
  });
  try {
    for (;;) {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (error) {
        throw malformed(error, limits);
      }
      if (next.done) break;
      const part = next.value;
      if (part.type === 'file') {
        if (part.fieldname !== FILE_FIELD) throw unknownField(part.fieldname, `files are sent as "${FILE_FIELD}"`);
        upload.files.push(await store(part, storage, limits, folder));
      } else {
        if (!Object.hasOwn(Fields.properties, part.fieldname))
          throw unknownField(part.fieldname, `the fields are ${Object.keys(Fields.properties).join(', ')}`);
        if (Object.hasOwn(upload.fields, part.fieldname)) throw new BadRequestError('validation_error', `The field "${part.fieldname}" is sent twice`);
        if (part.valueTruncated || typeof part.value !== 'string') {
          throw new BadRequestError('validation_error', `The field "${part.fieldname}" is too long or not text`);
        }
        upload.fields[part.fieldname] = part.value;
      }
    }
    return upload;
  } catch (error) {
    await Promise.all(upload.files.map((file) => storage.remove(file.key)));
    throw error;
  }
}

async function store(part: MultipartFile, storage: FileStorage, limits: AttachmentLimits, folder: string): Promise<StoredFile> {
  const fileName = cleanFileName(part.filename);
  const key = `${folder}/${randomBytes(18).toString('base64url')}`;
  const inspection = inspect(fromClient(part.file, limits), limits.maxBytes);
  try {
    await storage.put(key, Readable.from(inspection.bytes));
    const stored = await storage.get(key);
    const contentType = attachmentType(fileName, stored && (await sniff(stored)), inspection.done());
    return { key, fileName, contentType, size: inspection.done().size };
  } catch (error) {
    await storage.remove(key);
    throw error;
  }
}

/** The bytes of a file part; a broken body (cut short, malformed) is the client's error, not storage's. */
async function* fromClient(file: AsyncIterable<Buffer>, limits: AttachmentLimits) {
  try {
    yield* file;
  } catch (error) {
    throw malformed(error, limits);
  }
}

/** @fastify/multipart's and busboy's failures as the API's errors. */
function malformed(error: unknown, limits: AttachmentLimits): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return new AppError(413, 'too_many_attachments', `A message may have at most ${limits.maxFiles} attachments`);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new AppError(413, 'too_many_parts', 'The form has too many fields');
  return new BadRequestError('invalid_multipart', `The multipart body cannot be read: ${(error as Error).message}`);
}

function unknownField(name: string, hint: string) {
  return new AppError(400, 'validation_error', `Unknown field "${name.slice(0, 100)}" in body: ${hint}`, `body.${name.slice(0, 100)}`);
}

/**
 * The name to show and to offer when downloading: the last path segment, without control or
 * format characters (no RTL overrides faking an extension), at most 200 characters. It is
 * only ever data: storage keys are random.
 */
export function cleanFileName(given: string | undefined): string {
  const base = (given ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '')
    .trim();
  const name = Array.from(base).slice(0, 200).join('');
  return name === '' || name === '.' || name === '..' ? 'attachment' : name;
}
