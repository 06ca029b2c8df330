import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { migrationsFolder, queryRows, type Database } from './client.js';

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Compares drizzle-kit's journal with the migrations recorded in the database. */
export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  const appliedAt = new Set<number>();
  const [table] = await queryRows<{ found: boolean }>(database.db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as found`);
  if (table?.found) {
    const rows = await queryRows<{ created_at: string }>(database.db, sql`select created_at from drizzle.__drizzle_migrations`);
    for (const row of rows) appliedAt.add(Number(row.created_at));
  }
  const status: MigrationStatus = { applied: [], pending: [] };
  for (const entry of journal.entries) (appliedAt.has(entry.when) ? status.applied : status.pending).push(entry.tag);
  return status;
}
