#!/usr/bin/env node
/**
 * Prints the Docker image's package.json (see the Dockerfile): the repository's, keeping the npm
 * scripts that run a built server file, without their leading `npm run build &&`. The image is
 * built already and holds neither the TypeScript sources nor the compilers to build again, so
 * in it `npm start`, `npm run migrate:status`, `npm run seed`, `npm run queue:monitor`, ...
 * run the same files as in a clone, at once. Scripts needing what the image leaves out (tests,
 * benchmarks, the native cluster, the web dev server) are left out too.
 *
 *   node deploy/image-package-json.mjs [path/to/package.json] > image-package.json
 */
import { readFileSync } from 'node:fs';

const source = JSON.parse(readFileSync(process.argv[2] ?? 'package.json', 'utf8'));
const BUILT_SERVER_FILE = /^(?:npm run build && )?(node apps\/server\/dist\/[\w./-]+\.js(?: [^&|;<>`$]*)?)$/;
/** What the README and docker-compose.yml run in the image. */
const REQUIRED = ['start', 'migrate', 'migrate:status', 'seed', 'worker', 'queue:monitor'];

const scripts = {};
for (const [name, command] of Object.entries(source.scripts ?? {})) {
  const match = BUILT_SERVER_FILE.exec(command);
  if (match) scripts[name] = match[1];
}
const missing = REQUIRED.filter((name) => !scripts[name]);
if (missing.length > 0) {
  console.error(`deploy/image-package-json.mjs: no "npm run build && node apps/server/dist/..." script for ${missing.join(', ')} in package.json`);
  process.exit(1);
}

const { name, version, private: isPrivate, description, license, type, engines } = source;
process.stdout.write(`${JSON.stringify({ name, version, private: isPrivate, description, license, type, engines, scripts }, null, 2)}\n`);
