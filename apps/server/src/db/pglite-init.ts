/**
 * Creates a new PGlite data directory (its initdb), run as a process of its own by
 * createPgliteDataDir (pglite-data-dir.ts). PGlite's initdb starts a second Postgres and copies its files through a tarball in
 * memory: in the server's process the allocator would keep those ~150 MB, freed but never given
 * back to the system, for as long as the server runs.
 */
import { PGlite } from '@electric-sql/pglite';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: pglite-init.js <data directory>');
const client = await PGlite.create(dataDir);
await client.close();
