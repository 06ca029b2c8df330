/**
 * Bounded imports through the API (issue 11, finding 5), on an app that runs its job workers:
 * - the two archives of the finding (25 Markdown files of 4 MB in about 150 KB, and 1 MB whose
 *   headers declare 100 bytes but which inflates to 1 GiB) are refused with a 422 at the limit,
 *   and nothing of them is written;
 * - while an import of two 4 MB articles is being written, a few passages per transaction,
 *   another account is answered: seen in states (an article part-written before the other
 *   account asks, the import still running after it has its answers), not in timings.
 */
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { expectError, eventually } from '../../test-support/checks.js';
import { databaseKinds } from '../../test-support/databases.js';
import { chunkArticle } from './chunking.js';
import { MAX_IMPORT_BYTES } from './knowledge-base.schema.js';
import { lyingBomb, manyLargeFilesZip } from '../../../../../scripts/lib/zips.js';

const KB = '/api/knowledge-base';

/** A 4 MB manual of short numbered paragraphs under headings: about 6,000 passages. */
function manual(name: string, chars = 4_000_000): string {
  const parts: string[] = [`# ${name}`];
  for (let i = 1, length = 0; length < chars; i++) {
    parts.push(
      i % 40 === 0
        ? `## ${name}, part ${i / 40}`
        : `Step ${i} of ${name}: check guy line ${i} and stake ${i} before the storm; tension them evenly so the flysheet stays taut.`,
    );
    length += parts.at(-1)!.length + 2;
  }
  return parts.join('\n\n').slice(0, chars);
}

describe.each(await databaseKinds())('bounded knowledge-base imports on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let other: Session;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { runWorkers: true });
    admin = await registerAccount(t.app, 'Big importer');
    other = await registerAccount(t.app, 'Bystander');
    const opened = await call(t.app, other, {
      method: 'POST',
      url: '/api/conversations',
      payload: { contact: { name: 'Ella' }, message: { content: 'Where is my tent?' } },
    });
    expect(opened.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  }, 120_000);

  const postZip = (archive: Uint8Array) =>
    call(t.app, admin, { method: 'POST', url: `${KB}/imports/zip`, headers: { 'content-type': 'application/zip' }, payload: Buffer.from(archive) });

  const nothingWritten = async () => {
    expect((await call(t.app, admin, { method: 'GET', url: `${KB}/imports` })).body.data).toEqual([]);
    expect((await call(t.app, admin, { method: 'GET', url: `${KB}/articles` })).body.data).toEqual([]);
  };

  it('refuses a zip of 25 Markdown files of 4 MB (about 150 KB) with 422 archive_too_large, writing nothing', async () => {
    const refused = await postZip(manyLargeFilesZip());
    expectError(refused, 422, 'archive_too_large');
    expect(refused.body.error.message).toContain(`${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
    await nothingWritten();
  });

  it('refuses a 1 MB zip whose headers declare 100 bytes but which inflates to 1 GiB with 422 file_too_large, writing nothing', async () => {
    const refused = await postZip(await lyingBomb());
    expectError(refused, 422, 'file_too_large');
    expect(refused.body.error.message).toContain('docs/readme.md');
    await nothingWritten();
  }, 60_000);

  it('refuses a JSON import of more than 8 MB of content with 422 import_too_large, writing nothing', async () => {
    const articles = [1, 2, 3].map((i) => ({ title: `Long ${i}`, content: 'Tents. '.repeat(430_000) }));
    expectError(await call(t.app, admin, { method: 'POST', url: `${KB}/imports`, payload: { articles } }), 422, 'import_too_large');
    await nothingWritten();
  });

  it("answers another account while an import's 4 MB articles are being written", async () => {
    const contents = { 'manuals/storm.md': manual('Storm manual'), 'manuals/winter.md': manual('Winter manual') };
    const expected = new Map(Object.entries(contents).map(([, content]) => [content.slice(2, content.indexOf('\n')), chunkArticle(content).length]));
    const started = await postZip(zipSync(Object.fromEntries(Object.entries(contents).map(([path, text]) => [path, strToU8(text)]))));
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const importId = started.body.import.id;
    const articles = async () =>
      (await call(t.app, admin, { method: 'GET', url: `${KB}/articles?limit=10` })).body.data as { id: number; title: string; chunkCount: number }[];

    // An article whose passages are partly written: they go in a few per transaction.
    const partial = await eventually('an imported article part-written', async () =>
      (await articles()).find((article) => article.chunkCount > 0 && article.chunkCount < expected.get(article.title)!),
    );
    for (let i = 0; i < 3; i++) {
      const inbox = await call(t.app, other, { method: 'GET', url: '/api/conversations' });
      expect(inbox.status).toBe(200);
      expect(inbox.body.data).toHaveLength(1);
    }
    const during = (await call(t.app, admin, { method: 'GET', url: `${KB}/imports/${importId}` })).body.import;
    expect(during.status, `the other account was answered only after the import: ${JSON.stringify(partial)}`).toBe('running');

    const done = await eventually(
      'the import to finish',
      async () => {
        const state = (await call(t.app, admin, { method: 'GET', url: `${KB}/imports/${importId}` })).body.import;
        return state.status === 'completed' ? state : undefined;
      },
      { timeoutMs: 300_000 },
    );
    expect(done).toMatchObject({ total: 2, processed: 2, created: 2, failed: 0, errors: [] });
    const written = await articles();
    expect(new Map(written.map((article) => [article.title, article.chunkCount]))).toEqual(expected);
    // Deleted, so their kb-embed jobs (about 12,000 passages to embed) end here.
    for (const article of written) expect((await call(t.app, admin, { method: 'DELETE', url: `${KB}/articles/${article.id}` })).status).toBe(204);
  }, 420_000);
});
