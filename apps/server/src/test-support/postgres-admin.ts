/**
 * The machine's Postgres as the tests' administrator: creating and dropping their databases.
 * Imports nothing of the server, so the web app's tests load it too (in happy-dom, where the
 * server's sources do not load).
 */
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function adminQuery(text: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
