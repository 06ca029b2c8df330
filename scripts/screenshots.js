// npm run screenshots: the README's screenshots (docs/screenshots/), taken as a new user sees
// HummDesk: a fresh embedded server with its demo account (42 conversations over the last two
// weeks, its teams, knowledge base and reports), signed in with the demo login, in Debian's
// Chromium (CHROMIUM_PATH to use another).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DEMO_LOGIN } from '../apps/server/dist/modules/demo/seed.js';
import { startProcess, stop } from '../bench/processes.js';

const port = Number(process.env.SCREENSHOTS_PORT ?? 5691);
const base = `http://127.0.0.1:${port}`;
const out = new URL('../docs/screenshots/', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'hummdesk-screenshots-'));

const server = await startProcess(
  ['apps/server/dist/main.js'],
  { HUMMDESK_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
  /running on/,
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const shoot = async (name, options = {}) => {
    // Charts and badges settle after their data arrives.
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${out}${name}.png`, ...options });
    console.log(`docs/screenshots/${name}.png`);
  };

  await page.goto(base);
  await page.getByLabel('E-mail').fill(DEMO_LOGIN.email);
  await page.locator('#password').fill(DEMO_LOGIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('listitem').first().waitFor();
  // A new customer message (the brief's Part 1): it arrives live, is triaged and drafted for.
  const ticket = await (await fetch(`${base}/api/demo/generate-ticket`, { method: 'POST' })).json();
  const conversation = page.getByRole('listitem').filter({ hasText: ticket.message.content.slice(0, 30) });
  await conversation.waitFor();
  await shoot('inbox');
  await conversation.click();
  await page.getByTestId('draft-content').waitFor({ timeout: 120_000 });
  await shoot('conversation');
  await page.getByRole('link', { name: 'Knowledge base' }).click();
  await page.getByRole('heading', { name: 'Knowledge base' }).waitFor();
  await shoot('knowledge-base');
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByText('Conversations by AI category').waitFor();
  await shoot('reports');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await shoot('settings', { fullPage: true });
} finally {
  await browser.close();
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
}
