/** Opens the configured database for a one-off command (migrate, seed). */
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';

export async function withConfiguredDatabase(work: (database: Database) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    await work(database);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}
