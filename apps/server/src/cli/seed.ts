import { DEMO_LOGIN, seedDemoAccount } from '../modules/demo/seed.js';
import { withConfiguredDatabase } from './open.js';

await withConfiguredDatabase(async (database) => {
  await database.migrate();
  const accountId = await seedDemoAccount(database.db);
  console.log(accountId === null ? 'The demo account exists already: nothing seeded' : `Seeded the demo account (id ${accountId})`);
  console.log(`Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}`);
});
