// Shared by the benchmarks: the bench database, server processes, logging in.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ensureDatabase } from '../scripts/lib/ensure-database.js';
import { openDatabase } from '../apps/server/dist/db/client.js';

/**
 * Creates the benchmark database if missing and migrates it, without the statement timeout: a
 * migration that rewrites a table of a million rows takes minutes, not a request's seconds.
 */
export async function ensureBenchDatabase(databaseUrl) {
  await ensureDatabase(databaseUrl);
  const database = await openDatabase({ url: databaseUrl, poolMax: 1, statementTimeoutMs: 0 });
  await database.migrate();
  await database.close();
}

/**
 * The server's database settings: the bench database on Postgres, or an embedded one in `dataDir`
 * migrated beforehand, so the server does not seed (and train) the demo account meanwhile.
 */
export async function benchDatabaseEnv({ postgres, databaseUrl, dataDir }) {
  if (postgres) {
    await ensureBenchDatabase(databaseUrl);
    return { DATABASE_URL: databaseUrl };
  }
  const embedded = await openDatabase({ dataDir });
  await embedded.migrate();
  await embedded.close();
  return { HUMMDESK_DATA_DIR: dataDir };
}

/**
 * Starts a Node process and waits until its output matches `readyPattern`. BENCH_NODE_ARGS adds
 * Node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where a stall's time goes.
 */
export async function startProcess(args, env, readyPattern) {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  for (let i = 0; i < 300 && !readyPattern.test(output); i++) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** POSTs credentials (login or registration) and returns the token. */
export async function login(base, path, body) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path} failed: ${response.status} ${await response.text()}`);
  return (await response.json()).token;
}
