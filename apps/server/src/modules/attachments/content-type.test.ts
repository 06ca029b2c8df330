import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { samples } from '../../test-support/multipart.js';
import { attachmentType, inspect, sniff, type Inspection } from './content-type.js';

/** Streams `bytes` in chunks through `inspect`, then names its type. */
async function typeOf(fileName: string, bytes: Buffer, chunkSize = 7): Promise<string> {
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize));
  const inspection = inspect(Readable.from(chunks), 1_000_000);
  const passed: Buffer[] = [];
  for await (const chunk of inspection.bytes) passed.push(chunk);
  expect(Buffer.concat(passed).equals(bytes)).toBe(true);
  // A byte stream, as storage gives (file-type reads sizes of bytes, not objects).
  return attachmentType(fileName, await sniff(Readable.from([bytes], { objectMode: false })), inspection.done());
}

const CONTENT_TYPES = (main: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  `<Override PartName="/word/document.xml" ContentType="${main}"/></Types>`;

describe('attachment content types', () => {
  it('recognises office documents, archives and old Office files by their bytes', async () => {
    const docx = Buffer.from(
      zipSync({
        '[Content_Types].xml': strToU8(CONTENT_TYPES('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml')),
        'word/document.xml': strToU8('<w:document/>'),
      }),
    );
    expect(await typeOf('letter.docx', docx, 4096)).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(await typeOf('logs.zip', Buffer.from(zipSync({ 'a.log': strToU8('x') })), 4096)).toBe('application/zip');
    const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]);
    expect(await typeOf('old.doc', cfb)).toBe('application/msword');
    expect(await typeOf('old.XLS', cfb)).toBe('application/vnd.ms-excel');
    await expect(typeOf('thing.bin', cfb)).rejects.toMatchObject({ statusCode: 415, code: 'unsupported_attachment' });
  });

  it('takes UTF-8 text as text, also with a character split between chunks, and refuses other binary', async () => {
    expect(await typeOf('notes.txt', Buffer.from('Hyvää päivää 👋\n'.repeat(20)), 3)).toBe('text/plain');
    expect(await typeOf('table.CSV', Buffer.from('a;b\n1;2\n'))).toBe('text/csv');
    await expect(typeOf('latin1.txt', Buffer.from('p\xe4iv\xe4\n', 'latin1'))).rejects.toMatchObject({ code: 'unsupported_attachment' });
    await expect(typeOf('nul.txt', Buffer.from('abc\0def'))).rejects.toMatchObject({ code: 'unsupported_attachment' });
    await expect(typeOf('random.txt', randomBytes(1000))).rejects.toMatchObject({ code: 'unsupported_attachment' });
  });

  it('refuses what a browser would sniff as HTML or XML, but not text that merely mentions a tag', async () => {
    for (const start of ['<html>', '<!-- x -->', '<!DOCTYPE html>', '  \n<SCRIPT src=x>', '<svg>', '<?xml version="1.0"?><a/>', '<p>hi', '<a href=x>', '<b>']) {
      await expect(typeOf('page.txt', Buffer.from(start)), start).rejects.toMatchObject({ code: 'unsupported_attachment' });
    }
    expect(await typeOf('mail.txt', Buffer.from('<bob@example.com> wrote:\n> see <html> in the page'))).toBe('text/plain');
    expect(await typeOf('math.txt', Buffer.from('<pre> is not checked, <= is fine'))).toBe('text/plain');
    expect(await typeOf('doc.txt', samples.html.subarray(1))).toBe('text/plain');
  });

  it('stops a file at the first byte over the limit', async () => {
    const inspection = inspect(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), 15);
    const read = async () => {
      for await (const _ of inspection.bytes);
    };
    await expect(read()).rejects.toMatchObject({ statusCode: 413, code: 'attachment_too_large' });
  });

  it('refuses an empty file', () => {
    const empty: Inspection = { size: 0, head: Buffer.alloc(0), text: true };
    expect(() => attachmentType('empty.txt', undefined, empty)).toThrow(expect.objectContaining({ code: 'empty_attachment' }));
  });
});
