import { migrationStatus } from '../db/migration-status.js';
import { withConfiguredDatabase } from './open.js';

await withConfiguredDatabase(async (database) => {
  const before = await migrationStatus(database);
  await database.migrate();
  console.log(
    before.pending.length === 0 ? 'Nothing to migrate: all migrations applied' : `Applied ${before.pending.length} migration(s): ${before.pending.join(', ')}`,
  );
});
