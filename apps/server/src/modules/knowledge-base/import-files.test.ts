/**
 * Reading import archives within limits on what they really hold: the sizes a zip declares
 * are not believed, reading stops at the first limit, and every refusal is a 422 with a code.
 */
import { strToU8, unzipSync, Zip, ZipDeflate, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importItems, MAX_ARCHIVE_ENTRIES, unzipMarkdown } from './import-files.js';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ITEMS } from './knowledge-base.schema.js';
import { lyingBomb, manyLargeFilesZip } from '../../../../../scripts/lib/zips.js';

const refusal = (code: string) => expect.objectContaining({ statusCode: 422, code });

/** A zip written as a stream: each file's sizes come after its data (data descriptors). */
function streamedZip(files: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    parts.push(data);
  });
  for (const [name, text] of Object.entries(files)) {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(strToU8(text), true);
  }
  zip.end();
  return Buffer.concat(parts);
}

describe('unzipMarkdown', () => {
  it('reads the Markdown files of a zip in order, skipping other files, folders and macOS metadata', async () => {
    const archive = zipSync({
      'guides/': new Uint8Array(),
      'guides/lamp.md': strToU8('# Lamp\n\nHold the ring.'),
      'guides/logo.png': new Uint8Array([0x89, 0x50]),
      '__MACOSX/guides/._lamp.md': new Uint8Array([0, 5]),
      'guides/.hidden.md': strToU8('secret'),
      'faq/empty.md': new Uint8Array(),
      'faq/wrap.markdown': strToU8('We wrap it.'),
    });
    expect(await unzipMarkdown(archive)).toEqual([
      { path: 'guides/lamp.md', content: '# Lamp\n\nHold the ring.' },
      { path: 'faq/wrap.markdown', content: 'We wrap it.' },
    ]);
  });

  it('reads a zip written as a stream, whose sizes follow the data', async () => {
    const text = 'Parcels arrive within 2 to 4 working days. '.repeat(2_000);
    expect(await unzipMarkdown(streamedZip({ 'shipping/times.md': text, 'billing/refunds.md': 'Within 5 days.' }))).toEqual([
      { path: 'shipping/times.md', content: text },
      { path: 'billing/refunds.md', content: 'Within 5 days.' },
    ]);
  });

  it('refuses 25 Markdown files of 4 MB in a zip of about 150 KB once 8 MB are inflated', async () => {
    const archive = manyLargeFilesZip();
    expect(archive.length).toBeLessThan(200 * 1024);
    await expect(unzipMarkdown(archive)).rejects.toEqual(refusal('archive_too_large'));
  });

  it('refuses a 1 MB zip whose headers declare 100 bytes and which inflates to 1 GiB, at 5 MB of the file', async () => {
    const bomb = await lyingBomb();
    expect(bomb.length).toBeLessThan(1.5 * 1024 * 1024);
    // What a reader that believes the headers sees (and the 200 MB cap used to count).
    const declared: number[] = [];
    unzipSync(bomb, { filter: (file) => (declared.push(file.originalSize), false) });
    expect(declared).toEqual([100]);
    await expect(unzipMarkdown(bomb)).rejects.toEqual(refusal('file_too_large'));
  }, 60_000);

  it('refuses an archive of more entries than it may hold, and more Markdown files than an import', async () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i <= MAX_ARCHIVE_ENTRIES; i++) entries[`images/${i}.png`] = new Uint8Array([i % 256]);
    await expect(unzipMarkdown(zipSync(entries, { level: 0 }))).rejects.toEqual(refusal('too_many_files'));
    const articles: Record<string, Uint8Array> = {};
    for (let i = 0; i <= MAX_IMPORT_ITEMS; i++) articles[`kb/${i}.md`] = strToU8(`# Article ${i}`);
    await expect(unzipMarkdown(zipSync(articles, { level: 0 }))).rejects.toEqual(refusal('too_many_articles'));
  });

  it('refuses what is not a whole zip archive', async () => {
    for (const body of [Buffer.from('a text, not an archive'), Buffer.alloc(0), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])]) {
      await expect(unzipMarkdown(body)).rejects.toEqual(refusal('invalid_archive'));
    }
    const archive = zipSync({ 'a.md': strToU8('# A\n\n'.repeat(10_000)) });
    const cut = Buffer.concat([archive.subarray(0, 60), archive.subarray(archive.length - 22 - 46 - 4)]);
    await expect(unzipMarkdown(cut)).rejects.toEqual(refusal('invalid_archive'));
  });
});

describe('importItems', () => {
  it('refuses more content than an import holds, and more articles', async () => {
    const chars = 4_500_000;
    const articles = Array.from({ length: Math.ceil(MAX_IMPORT_BYTES / chars) + 1 }, (_, i) => ({ title: `Long ${i}`, content: 'a'.repeat(chars) }));
    await expect(importItems({ articles })).rejects.toEqual(refusal('import_too_large'));
    const many = Array.from({ length: MAX_IMPORT_ITEMS + 1 }, (_, i) => ({ path: `kb/${i}.md`, content: `# Article ${i}` }));
    await expect(importItems({ files: many })).rejects.toEqual(refusal('too_many_articles'));
  });
});
