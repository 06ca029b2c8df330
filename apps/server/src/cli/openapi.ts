/**
 * Prints the API's OpenAPI document (the one served at /docs/json), for the web app's typed
 * client: `node dist/cli/openapi.js > openapi.json`. Builds the app on a throwaway in-memory
 * database; nothing listens and nothing is stored.
 */
import pino from 'pino';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';

const database = await openDatabase({});
const app = await buildApp({
  config: loadConfig({ HUMMDESK_DATA_DIR: '/tmp/hummdesk-openapi-unused', HUMMDESK_ENCRYPTION_KEY: 'openapi-document-only-0123456789abcdef' }),
  database,
  jwtSecret: 'openapi-document-only-0123456789abcdef',
  logger: pino({ level: 'silent' }),
});
await app.ready();
process.stdout.write(`${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await database.close();
