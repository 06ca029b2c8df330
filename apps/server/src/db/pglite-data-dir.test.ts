import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './client.js';

describe('PGlite in a data directory', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'hummdesk-pglite-')), 'data');
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('creates a new directory, keeps what was written across a reopen, with small shared buffers', async () => {
    const created = await openDatabase({ dataDir });
    await created.migrate();
    await created.db.execute(sql`create table kept (note text)`);
    await created.db.execute(sql`insert into kept values ('written before the reopen')`);
    await created.close();

    const reopened = await openDatabase({ dataDir });
    try {
      const { rows } = (await reopened.db.execute(sql`select note from kept`)) as unknown as { rows: { note: string }[] };
      expect(rows).toEqual([{ note: 'written before the reopen' }]);
      const { rows: settings } = (await reopened.db.execute(sql`select current_setting('shared_buffers') as value`)) as unknown as {
        rows: { value: string }[];
      };
      expect(settings[0]!.value).toBe('16MB');
    } finally {
      await reopened.close();
    }
  }, 300_000);

  it('creates again a directory whose creation a crash cut short', async () => {
    const cutShort = join(dataDir, '..', 'cut-short');
    // What a killed init leaves: its staging directory (its process gone) and files without PG_VERSION.
    mkdirSync(join(cutShort, '.pglite-init', 'data'), { recursive: true });
    writeFileSync(join(cutShort, '.pglite-init', 'pid'), '2147483646');
    mkdirSync(join(cutShort, 'base'));
    writeFileSync(join(cutShort, 'postgresql.conf'), 'half written');

    const opened = await openDatabase({ dataDir: cutShort });
    try {
      const { rows } = (await opened.db.execute(sql`select 1 as one`)) as unknown as { rows: { one: number }[] };
      expect(rows).toEqual([{ one: 1 }]);
      expect(existsSync(join(cutShort, 'PG_VERSION'))).toBe(true);
      expect(existsSync(join(cutShort, '.pglite-init'))).toBe(false);
    } finally {
      await opened.close();
    }
  }, 300_000);
});
