import { migrationStatus } from '../db/migration-status.js';
import { withConfiguredDatabase } from './open.js';

await withConfiguredDatabase(async (database) => {
  const { applied, pending } = await migrationStatus(database);
  for (const tag of applied) console.log(`  applied  ${tag}`);
  for (const tag of pending) console.log(`  pending  ${tag}`);
  console.log(pending.length === 0 ? 'All migrations applied' : `${pending.length} migration(s) pending: run npm run migrate`);
  if (pending.length > 0) process.exitCode = 2;
});
