import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './client.js';
import { migrationStatus } from './migration-status.js';

describe('migration status (PGlite)', () => {
  let database: Database;
  afterAll(() => database?.close());

  it('lists every migration as pending on a new database, and as applied after migrating twice', async () => {
    database = await openDatabase({});
    const before = await migrationStatus(database);
    expect(before.applied).toEqual([]);
    expect(before.pending).toContain('0001_tenant_isolation');
    await database.migrate();
    await database.migrate(); // idempotent
    const after = await migrationStatus(database);
    expect(after).toEqual({ applied: before.pending, pending: [] });
  });
});
