/**
 * Real databases for tests: an in-memory PGlite, and a fresh database on the machine's
 * Postgres (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) per file.
 * Postgres missing is a failure under CI=true and a loud skip elsewhere.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../db/client.js';
import { ADMIN_URL, adminQuery } from './postgres-admin.js';

export type DatabaseKind = 'pglite' | 'postgres';

let postgresReachable: Promise<boolean> | undefined;

async function canReachPostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Postgres is required in CI and is not reachable at ${ADMIN_URL}`, { cause: error });
    console.warn(`\n!!! Postgres not reachable at ${ADMIN_URL}: its tests are SKIPPED (they fail under CI=true)\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The kinds to run a suite against: both, unless Postgres is missing outside CI. */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  postgresReachable ??= canReachPostgres();
  return (await postgresReachable) ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  database: Database;
  /** Connection string of the test database (Postgres only). */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({});
    await database.migrate();
    return { database, drop: () => database.close() };
  }
  const name = `hummdesk_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  const database = await openDatabase({ url, poolMax: 5 });
  await database.migrate();
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

export function withDatabase(url: string, database: string, user?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = '';
  }
  return parsed.toString();
}
