import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A new directory takes seconds; a child still running after this has hung. */
const INIT_TIMEOUT_MS = 180_000;
const WAIT_STEP_MS = 200;

/**
 * The init script beside this module: the compiled one in dist/ (npm start), the TypeScript one
 * through tsx (vitest's own dependency) when this module runs from src/, so tests need no build.
 */
const fromSource = import.meta.url.endsWith('.ts');
const initScript = fileURLToPath(new URL(`./pglite-init.${fromSource ? 'ts' : 'js'}`, import.meta.url));

/**
 * Creates PGlite's files in dataDir unless it has them, in a child process (pglite-init.ts says
 * why). Postgres's files are written into a staging directory inside dataDir (same file system,
 * and the only place writable when dataDir is a mounted volume), then moved in with PG_VERSION
 * last: PG_VERSION present means complete, so a crash part-way leaves a directory the next start
 * creates again. The staging directory is claimed with an exclusive mkdir: a second process
 * starting at the same time waits for the first one's PG_VERSION instead of writing its own.
 */
export async function createPgliteDataDir(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  await mkdir(dataDir, { recursive: true });
  const staging = join(dataDir, '.pglite-init');
  const deadline = Date.now() + INIT_TIMEOUT_MS;
  while (!(await claim(staging))) {
    if (existsSync(join(dataDir, 'PG_VERSION'))) return;
    if (await abandoned(staging, deadline)) await rm(staging, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
  try {
    if (existsSync(join(dataDir, 'PG_VERSION'))) return;
    await runInitScript(join(staging, 'data'));
    const names = (await readdir(join(staging, 'data'))).filter((name) => name !== 'PG_VERSION');
    for (const name of [...names, 'PG_VERSION']) {
      await rm(join(dataDir, name), { recursive: true, force: true });
      await rename(join(staging, 'data', name), join(dataDir, name));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** True when this process made the staging directory (and wrote its pid in it). */
async function claim(staging: string): Promise<boolean> {
  try {
    await mkdir(staging);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await writeFile(join(staging, 'pid'), String(process.pid));
  return true;
}

/**
 * A staging directory left by a crash: its process is gone (or is this one, after a restart in a
 * container where pids repeat), or it has been there longer than any init takes.
 */
async function abandoned(staging: string, deadline: number): Promise<boolean> {
  const pid = Number(await readFile(join(staging, 'pid'), 'utf8').catch(() => ''));
  if (!pid) {
    // Between another process's mkdir and its pid file, or a crash between the two.
    const made = await stat(staging).catch(() => undefined);
    return !made || Date.now() - made.mtimeMs > 10_000 || Date.now() > deadline;
  }
  return pid === process.pid || !isRunning(pid) || Date.now() > deadline;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runInitScript(target: string): Promise<void> {
  if (!existsSync(initScript)) {
    throw new Error(`PGlite init script missing at ${initScript}: build the server first (npm run build -w @hummdesk/server)`);
  }
  const args = fromSource ? ['--import', 'tsx', initScript, target] : [initScript, target];
  await execFileAsync(process.execPath, args, { timeout: INIT_TIMEOUT_MS, killSignal: 'SIGKILL' });
}
