/**
 * What every end-to-end file needs: the real server (its built web app and API, one process)
 * on a fresh Postgres database, Debian's Chromium driven by playwright-core, a few API calls to
 * set the scene, and a list of the browser's console errors to assert empty at the end.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { eventually } from '../../server/src/test-support/eventually.js';
import { ADMIN_URL, adminQuery } from '../../server/src/test-support/postgres-admin.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Paths from this file's own (not the global URL: happy-dom's, in the store tests, resolves file URLs wrongly).
const here = (path: string) => resolve(dirname(fileURLToPath(import.meta.url)), path);
const SERVER = here('../../server/dist/main.js');
const MIGRATE = here('../../server/dist/cli/migrate.js');
const WEB_BUILD = here('../dist/index.html');
export const SHOTS = `${here('../../../test-output/screenshots')}/`;

/** False where Chromium or the built app is missing; in CI that is an error, not a skip. */
export const available = existsSync(CHROMIUM) && existsSync(WEB_BUILD);
if (!available && process.env.CI === 'true') {
  throw new Error(`the end-to-end tests need ${existsSync(CHROMIUM) ? 'the built web app (npm run build)' : `Chromium at ${CHROMIUM}`}`);
}

export const PASSWORD = 'a long enough password';

/**
 * How long the page may take to show what an action or a live event changes. A ceiling for what
 * never comes, not a wait: a loaded machine renders late, not wrong (expect.poll's own default,
 * one second, is set to this by the test files).
 */
export const UI_WAIT_MS = 30_000;
const JWT_SECRET = 'e2e-secret-that-is-long-enough-0123456789';

export type Answer = { status: number; body: any };

export interface Server {
  base: string;
  call(method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer>;
  stop(): Promise<void>;
}

export interface App extends Server {
  browser: Browser;
  /** Console errors and uncaught exceptions of every page opened through `newPage`. */
  consoleErrors: string[];
  newPage(options?: { token?: string; width?: number }): Promise<Page>;
}

/**
 * A new Postgres database, migrated by the server's own CLI (so the server does not take it for
 * a first start and seed the demo account). Only built code is run: the store tests load this
 * file in a browser-like environment, where the server's sources do not load.
 */
async function createDatabase() {
  const name = `hummdesk_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  execFileSync(process.execPath, [MIGRATE], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, stdio: 'inherit' });
  return { url, drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * A port for the server; a page must know it before the server starts to be of the same origin.
 * The kernel picks one no socket holds (and does not hand it out again at once), so parallel
 * test files never meet on a port, nor reach each other's servers.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The built server in its own process, as `npm start` runs it, on a fresh Postgres database. */
export async function startServer(env: Record<string, string> = {}, chosenPort?: number): Promise<Server> {
  const port = chosenPort ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const database = await createDatabase();
  // Its files (attachments) in a directory of its own, gone with it.
  const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-e2e-'));
  const server: ChildProcess = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      HUMMDESK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      REDIS_URL: '',
      JWT_SECRET,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await eventually(
      'the server to start',
      async () => {
        if (server.exitCode !== null) throw new Error(`it exited with ${server.exitCode}`);
        // Knock first: a refused fetch is logged loudly by happy-dom's fetch in the store tests.
        return (await listening(port)) &&
          (await fetch(`${base}/health`).then(
            (r) => r.ok,
            () => false,
          ))
          ? true
          : undefined;
      },
      { intervalMs: 250, timeoutMs: 150_000 },
    );
  } catch (error) {
    server.kill('SIGKILL');
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the server did not start: ${(error as Error).message}`, { cause: error });
  }
  return {
    base,
    async call(method, path, token, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async stop() {
      server.kill('SIGTERM');
      await new Promise((resolve) => (server.exitCode !== null ? resolve(undefined) : server.once('exit', resolve)));
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The server and Chromium. */
export async function startApp(env: Record<string, string> = {}): Promise<App> {
  mkdirSync(SHOTS, { recursive: true });
  const server = await startServer(env);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const consoleErrors: string[] = [];
  const contexts: BrowserContext[] = [];

  return {
    ...server,
    browser,
    consoleErrors,
    async newPage({ token, width = 1280 } = {}) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      contexts.push(context);
      if (token) await context.addInitScript((value) => localStorage.setItem('hummdesk.token', value), token);
      const page = await context.newPage();
      // Chromium also logs each 404 and 401 answer as a console error: the API answers 404 for
      // "no draft yet" and for the missing conversation a test opens on purpose, and 401 for the
      // expired session a test sends back to sign-in; those are not the app's errors.
      page.on('console', (message) => {
        if (message.type() !== 'error' || /status of (404|401)/.test(message.text())) return;
        const { url, lineNumber } = message.location();
        consoleErrors.push(`${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      return page;
    },
    async stop() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await server.stop();
    },
  };
}

/** The token the signed-in page keeps. */
/**
 * The dialog of this name once it has opened. PrimeVue moves the focus into a dialog when its
 * opening animation ends (to its autofocus field, or its close button); on a loaded machine that
 * can come after the test has begun to type, and a field filled then loses its text to the move.
 * The focus alone does not tell: an autofocus field takes it as soon as it is inserted, before
 * the animation ends and PrimeVue focuses it again. Vue removes the transition's `-enter-` classes
 * just before it runs PrimeVue's after-enter hook, in the same task.
 */
export async function openedDialog(page: Page, name: string): Promise<Locator> {
  const dialog = page.getByRole('dialog', { name });
  await eventually(
    `the dialog "${name}" to finish opening`,
    () => dialog.evaluate((element) => (!/-enter-/.test(element.className) && element.contains(document.activeElement)) || undefined),
    { timeoutMs: UI_WAIT_MS },
  );
  return dialog;
}

export const tokenOf = (page: Page) => page.evaluate(() => localStorage.getItem('hummdesk.token')) as Promise<string>;

/** The same session's token, signed again to expire in `seconds`: a session running out, on cue. */
export function expiringToken(token: string, seconds: number): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + seconds })}`;
  return `${head}.${createHmac('sha256', JWT_SECRET).update(head).digest('base64url')}`;
}
