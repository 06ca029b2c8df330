// npm run screenshots: the README's screenshots (docs/screenshots/), taken as a new user sees
// HummDesk: a fresh embedded server with its demo account (42 conversations over the last two
// weeks, its teams, knowledge base and reports), signed in with the demo login, in Debian's
// Chromium (CHROMIUM_PATH to use another). Last, the website chat widget on a company's page
// served from another origin (the widget's end-to-end test page), talking to the demo's agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { io } from 'socket.io-client';
import { DEMO_LOGIN } from '../apps/server/dist/modules/demo/seed.js';
import { login, startProcess, stop } from '../bench/processes.js';
import { serveHostPage, widgetSnippet } from './lib/host-page.js';

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
  await shootWidget();
} finally {
  await browser.close();
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
}

/** The widget open on the company's page: the visitor's question, the agent's answer and the agent typing again. */
async function shootWidget() {
  const token = await login(base, '/api/auth/login', DEMO_LOGIN);
  const api = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const sitePort = port + 1;
  const { inbox } = await api('POST', '/api/inboxes', {
    name: 'Fjord Outfitters',
    channelType: 'web_widget',
    settings: {
      color: '#1f6f5c',
      greeting: 'Questions about sizing, orders or returns? We usually answer within minutes.',
      allowedOrigins: [`http://127.0.0.1:${sitePort}`],
    },
  });
  const site = await serveHostPage(widgetSnippet(base, inbox.identifier), sitePort);
  const agent = io(base, { auth: { token }, transports: ['websocket'] });
  try {
    const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await visitor.goto(site.origin);
    await visitor.getByRole('button', { name: 'Open chat' }).click();
    const chat = visitor.getByRole('dialog', { name: 'Fjord Outfitters' });
    const question = 'Hi! The pole of my Nordkapp 2 tent snapped on the first night. Can I get a replacement?';
    await chat.getByRole('textbox', { name: 'Write a message…' }).fill(question);
    await chat.getByRole('textbox', { name: 'Write a message…' }).press('Enter');
    // Shown at once while on its way; the conversation exists once the server has it.
    let data = [];
    for (const deadline = Date.now() + 30_000; data.length === 0 && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      ({ data } = await api('GET', `/api/conversations?inboxId=${inbox.id}`));
    }
    const answer = 'So sorry about that! A replacement pole is on its way today, free of charge. Tracking: FJ-48213.';
    await api('POST', `/api/conversations/${data[0].id}/messages`, { content: answer });
    await chat.getByRole('log').getByText(answer).waitFor();
    agent.emit('typing', { conversationId: data[0].id, typing: true });
    await chat.getByText('is typing').waitFor();
    await visitor.screenshot({ path: `${out}widget.png` });
    console.log('docs/screenshots/widget.png');
  } finally {
    agent.disconnect();
    await site.close();
  }
}
