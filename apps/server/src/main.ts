/**
 * Process entry: reads the configuration, opens the database, migrates it (and seeds the demo
 * account on a brand-new database), then serves. SIGTERM/SIGINT stop model trainings where they
 * are (their jobs run again after the restart), finish in-flight requests and close the pools
 * before exiting.
 */
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { migrationStatus } from './db/migration-status.js';
import { stopTrainings } from './modules/ai/training.js';
import { DEMO_LOGIN, seedDemoAccount } from './modules/demo/seed.js';
import { resolveJwtSecret } from './platform/kept-secrets.js';
import { connectRedis } from './platform/redis.js';
import { runWorker } from './worker.js';

async function main() {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, base: { serverInstance: config.serverInstance } });
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
    logger,
  });
  const fresh = (await migrationStatus(database)).applied.length === 0;
  await database.migrate();
  if (fresh && (await seedDemoAccount(database.db)) !== null) logger.info('seeded the demo account on a new database');

  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
  if (config.role === 'worker') {
    if (!redis) throw new ConfigError('HUMMDESK_ROLE=worker needs REDIS_URL: job results reach the API replicas through Redis');
    const worker = await runWorker(database, redis, config, logger, await resolveJwtSecret(config.jwtSecret, config.dataDir), { warmUpEncoder: true });
    closeWithGrace({ delay: 10_000, logger }, async () => {
      // A training can take minutes: the queue would wait for it.
      stopTrainings();
      await worker.close();
      await redis.close();
      await database.close();
    });
    logger.info('worker started');
    return;
  }

  const app = await buildApp({
    config,
    database,
    redis,
    runWorkers: config.role === 'all',
    // The job handlers classify each new message: the encoder is loaded before the first.
    warmUpEncoder: config.role === 'all',
    jwtSecret: await resolveJwtSecret(config.jwtSecret, config.dataDir),
    logger,
  });
  closeWithGrace({ delay: 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    stopTrainings();
    await app.close();
    await redis?.close();
    await database.close();
  });
  await app.listen({ port: config.port, host: config.host });

  const where = config.databaseUrl ? 'Postgres (DATABASE_URL)' : `PGlite in ${config.dataDir}`;
  console.log(
    [
      '',
      `  HummDesk is running on http://localhost:${config.port}  (${where}${redis ? ', Redis' : ''})`,
      `  API docs:  http://localhost:${config.port}/docs`,
      `  Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
