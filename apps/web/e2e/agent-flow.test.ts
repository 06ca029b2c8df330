/**
 * The agent web app end to end, in Debian's Chromium (playwright-core) against the real server
 * (its built app and API, one process) on real Postgres: register, a customer message arrives
 * live in the inbox and its AI badges fill in, the draft is used and appears in the thread, the
 * conversation is resolved and its category corrected, an article is written and found, and an
 * agent of another account sees none of it. Screenshots of the main screens are saved under
 * test-output/screenshots/ to be looked at.
 */
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { eventually } from '../../server/src/test-support/eventually.js';
import { available, expiringToken, PASSWORD, SHOTS, startApp, tokenOf, UI_WAIT_MS, type App } from './harness.js';

// UI updates follow API calls and live events: expect.poll's default second is too short on a loaded machine.
vi.setConfig({ expect: { poll: { timeout: UI_WAIT_MS } } });

const unique = Date.now().toString(36);

/** A PNG of the given size (a gradient), made here: what an agent would attach. */
function picture(width: number, height: number): Buffer {
  const rows = Array.from({ length: height }, (_, y) =>
    Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, (_, x) => [40 + (x % 200), 90 + (y % 150), 200]).flat())]),
  );
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const owner = { accountName: `Fjord Outfitters ${unique}`, name: 'Alex Admin', email: `alex.${unique}@example.com`, password: PASSWORD };

describe.skipIf(!available)('the agent web app in Chromium', () => {
  let app: App;
  let base: string;
  let page: Page;
  const post = (path: string, token: string | undefined, body: unknown) => app.call('POST', path, token, body);

  beforeAll(async () => {
    app = await startApp();
    base = app.base;
    page = await app.newPage();
  }, 180_000);

  afterAll(() => app?.stop());

  it('registers a new account and lands in its empty inbox', async () => {
    await page.goto(base);
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Company').fill(owner.accountName);
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('E-mail').fill(owner.email);
    await page.locator('#password').fill(owner.password);
    await page.screenshot({ path: `${SHOTS}register.png` });
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('No conversations here.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/conversations');
  });

  it('shows a new customer message live, and fills in its AI badges when it is classified', async () => {
    const token = await tokenOf(page);
    const ticket = await post('/api/conversations', token!, {
      contact: { name: 'Maria Virtanen', email: `maria.${unique}@example.com` },
      message: { content: 'I was charged twice for order #48213, please refund the duplicate charge!' },
    });
    expect(ticket.status).toBe(201);
    const row = page.locator(`[data-conversation-id="${ticket.body.conversation.id}"]`);
    await row.waitFor({ timeout: UI_WAIT_MS });
    await expect.poll(() => row.textContent()).toContain('Maria Virtanen');
    await row.getByTestId('category').waitFor({ timeout: 60_000 });
    const stored = await fetch(`${base}/api/conversations/${ticket.body.conversation.id}/classification`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.json() as any);
    expect(['billing', 'refunds']).toContain(stored.classification.category);
    expect(await row.getByTestId('category').textContent()).toBe(stored.classification.category);
    expect(await row.getByTestId('sentiment').textContent()).toBe(stored.classification.sentiment);
    await page.screenshot({ path: `${SHOTS}inbox.png` });
  }, 90_000);

  it('opens the conversation with its AI panel, and sends the draft as the reply', async () => {
    await page.locator('[data-conversation-id]').first().click();
    await page.getByTestId('classification').getByText('Confidence').waitFor({ timeout: 30_000 });
    const draft = page.getByTestId('draft-content');
    await draft.waitFor({ timeout: 60_000 });
    const drafted = (await draft.textContent())!;
    expect(drafted).toContain('Hi Maria');
    await page.screenshot({ path: `${SHOTS}conversation.png` });
    await page.getByRole('button', { name: 'Use draft', exact: true }).click();
    await expect.poll(() => page.getByTestId('thread').textContent()).toContain(drafted.slice(0, 40));
    await page.getByTestId('draft').getByText('accepted').waitFor();
  }, 120_000);

  it('attaches a picture to a reply: refused over the size limit, then shown in the thread and opened full size', async () => {
    const limits = (await app.call('GET', '/api/attachments/limits', undefined)).body as { maxBytes: number };
    const input = page.getByTestId('attach-input');
    await input.setInputFiles({ name: 'too-big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(limits.maxBytes + 1) });
    await page.getByRole('alert').filter({ hasText: 'larger than the limit' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    await page.screenshot({ path: `${SHOTS}conversation-attachment-too-large.png` });
    await page.getByRole('button', { name: 'Remove too-big.pdf' }).click();

    const photo = picture(240, 160);
    await input.setInputFiles({ name: 'broken-pole.png', mimeType: 'image/png', buffer: photo });
    await page.getByRole('list', { name: 'Files to send' }).getByText('broken-pole.png').waitFor();
    await page.getByLabel('Message', { exact: true }).fill('Here is the photo you asked about.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const image = page.getByTestId('thread').getByRole('img', { name: 'broken-pole.png' });
    await image.waitFor({ timeout: UI_WAIT_MS });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    await page.getByRole('list', { name: 'Files to send' }).waitFor({ state: 'detached' });
    await page.screenshot({ path: `${SHOTS}conversation-attachment.png` });
    // The thumbnail links to the picture itself, served inline by its signed link.
    const href = await image.locator('xpath=..').getAttribute('href');
    const served = await fetch(new URL(href!, base));
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(photo)).toBe(true);
  }, 60_000);

  it('resolves the conversation and corrects its category', async () => {
    // Exact names: the inbox's rows are buttons too, named by their last line, which follows
    // live (an activity line such as "… resolved …" may land there before the button goes).
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByRole('button', { name: 'Resolve', exact: true }).waitFor({ state: 'detached' });
    await page.getByLabel('Correct the category').click();
    await page.getByRole('option', { name: 'shipping' }).click();
    await page.getByText('the AI learns from this correction').waitFor();
    const token = await tokenOf(page);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const stored = await fetch(`${base}/api/conversations/${id}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as any);
    expect(stored.conversation).toMatchObject({ status: 'resolved', category: 'shipping' });
  }, 60_000);

  it('labels and snoozes a conversation, and finds it again with the counts and filters', async () => {
    const token = await tokenOf(page);
    expect((await post('/api/labels', token, { title: 'vip', color: '#7c3aed' })).status).toBe(201);
    const ticket = await post('/api/conversations', token, {
      contact: { name: 'Jonas Berg', email: `jonas.${unique}@example.com` },
      message: { content: 'My tent pole snapped on the first night. Can I get a replacement?' },
    });
    const row = page.locator(`[data-conversation-id="${ticket.body.conversation.id}"]`);
    await page.getByRole('link', { name: 'Inbox' }).click();
    await row.waitFor();
    // The first conversation is resolved: one open conversation, unassigned.
    await expect.poll(() => page.getByTestId('count-all').textContent()).toBe('1');
    expect(await page.getByTestId('count-unassigned').textContent()).toBe('1');
    expect(await page.getByTestId('count-mine').textContent()).toBe('0');
    await row.click();
    await page.locator('.p-multiselect', { has: page.getByLabel('Labels') }).click();
    await page.getByRole('option', { name: 'vip' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => row.textContent()).toContain('vip');
    await page.getByRole('button', { name: 'Snooze', exact: true }).click();
    await page.getByRole('menuitem', { name: 'For an hour' }).click();
    await page.getByTestId('snoozed-until').waitFor();
    // Snoozed, it leaves the open list at once; it is under Snoozed, and found by its label.
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Filter by status').click();
    await page.getByRole('option', { name: 'Snoozed' }).click();
    await row.waitFor();
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByLabel('Filter by label').click();
    await page.getByRole('option', { name: 'vip' }).click();
    await row.waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Filters (1)' }).count()).toBe(1);
    await page.getByLabel('Filter by priority').click();
    await page.getByRole('option', { name: 'urgent' }).click();
    await page.getByText('No conversations here.').waitFor();
    await page.getByRole('listbox').waitFor({ state: 'detached' });
    await page.screenshot({ path: `${SHOTS}inbox-filters.png` });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row.waitFor();
    const stored = await app.call('GET', `/api/conversations/${ticket.body.conversation.id}`, token);
    expect(stored.body.conversation).toMatchObject({ status: 'snoozed', labels: ['vip'] });
    expect(new Date(stored.body.conversation.snoozedUntil).getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByLabel('Filter by status').click();
    await page.getByRole('option', { name: 'Open' }).click();
  }, 60_000);

  it('shows markup in messages as text and sanitises it in articles: nothing of it runs', async () => {
    const token = await tokenOf(page);
    const errorsBefore = app.consoleErrors.length;
    const hostile = '<img src="x" onerror="window.__pwned = 1"><script>window.__pwned = 2</script> **not bold**';
    const ticket = await post('/api/conversations', token, { contact: { name: '<b>Mallory</b>' }, message: { content: hostile } });
    expect(ticket.status).toBe(201);
    const row = page.locator(`[data-conversation-id="${ticket.body.conversation.id}"]`);
    await row.click();
    await expect.poll(() => page.getByTestId('thread').textContent()).toContain(hostile);
    expect(await row.textContent()).toContain('<b>Mallory</b>');
    expect(await page.getByTestId('thread').locator('img, script, b').count()).toBe(0);
    await page.getByRole('link', { name: 'Knowledge base' }).click();
    await page.getByRole('button', { name: 'New article' }).click();
    await page.getByLabel('Content').fill(`# Safe heading\n\n${hostile}\n\n[a link](javascript:window.__pwned=3)`);
    await page.getByRole('tab', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview of the article' });
    await preview.getByRole('heading', { name: 'Safe heading' }).waitFor();
    expect(await preview.locator('script, [onerror]').count()).toBe(0);
    expect(await preview.locator('a[href^="javascript"]').count()).toBe(0);
    await preview.getByText('a link').click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // Chromium reports the handler DOMPurify's inert parse met as refused by the server's CSP
    // (script-src-attr 'none'): a second layer, and the only console line this step may leave.
    const provoked = app.consoleErrors.splice(errorsBefore);
    expect(provoked.every((line) => line.includes("Content Security Policy directive 'script-src-attr 'none''"))).toBe(true);
    await page.getByRole('link', { name: 'Inbox' }).click();
  }, 60_000);

  it('sends an agent whose session expires back to sign in, and keeps what they were typing', async () => {
    const token = await tokenOf(page);
    const conversations = await app.call('GET', '/api/conversations?status=resolved', token);
    const id = conversations.body.data[0].id as number;
    // Long enough for the page to open with it on a loaded machine; then the server refuses it.
    const shortLived = expiringToken(token, 20);
    const expiring = await app.newPage({ token: shortLived });
    await expiring.goto(`${base}/conversations/${id}`);
    await expiring.getByRole('textbox', { name: 'Message' }).fill('Half of a careful answer that must not be lost');
    await eventually('the session to expire', async () => ((await app.call('GET', '/api/auth/me', shortLived)).status === 401 ? true : undefined), {
      intervalMs: 250,
      timeoutMs: 60_000,
    });
    await expiring.getByRole('button', { name: 'Send reply', exact: true }).click();
    await expiring.getByText('Your session has expired').waitFor();
    await expiring.getByLabel('E-mail').fill(owner.email);
    await expiring.locator('#password').fill(owner.password);
    await expiring.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expiring.getByTestId('thread').waitFor();
    expect(new URL(expiring.url()).pathname).toBe(`/conversations/${id}`);
    expect(await expiring.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('Half of a careful answer that must not be lost');
    await expiring.context().close();
  }, 120_000);

  it('writes an article and finds it with the search box, as the AI would retrieve it', async () => {
    await page.getByRole('link', { name: 'Knowledge base' }).click();
    await page.getByRole('button', { name: 'New article' }).click();
    await page.getByLabel('Title', { exact: true }).last().fill('Duplicate Charge Policy');
    await page.getByLabel('Content').fill('# Duplicate charges\n\nFor duplicate charges, we issue immediate refunds within 1-3 business days.');
    await page.getByRole('button', { name: 'Create article' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByLabel('Search the knowledge base').fill('I paid two times for one order');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('.kb-search').textContent()).toContain('Duplicate Charge Policy');
    // The similarity is shown as a percentage next to the result.
    expect(await page.locator('.kb-search').textContent()).toMatch(/\d+\s?%/);
    await page.screenshot({ path: `${SHOTS}knowledge-base.png` });
  }, 60_000);

  it('lets the administrator set the AI routing, see the provider, invite an agent and add a team', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText('Provider').waitFor();
    expect(await page.locator('.status').textContent()).toContain('local');
    await page.getByLabel('Confidence needed to route').fill('0.9');
    await page.getByRole('button', { name: 'Save AI settings' }).click();
    await page.getByText('AI settings saved').waitFor();
    await page.getByLabel("Agent's name").fill('Ines Invited');
    await page.getByLabel("Agent's e-mail").fill(`ines.${unique}@example.com`);
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText('Invitation created').waitFor();
    await page.getByLabel("New team's name").fill('Billing');
    await page.getByRole('button', { name: 'Add team' }).click();
    await page.getByText('0 members').waitFor();
    await page.screenshot({ path: `${SHOTS}settings-ai.png` });
    const token = await tokenOf(page);
    const account = await fetch(`${base}/api/account`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as any);
    expect(account.account.aiRouting.threshold).toBe(0.9);
  }, 60_000);

  it("shows the reports: volume, first response, the AI's accuracy and draft outcomes", async () => {
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Conversations by AI category' }).waitFor();
    // One conversation, answered by the draft; its classification corrected once.
    await expect.poll(() => page.getByLabel('First response').textContent()).toContain('Conversations answered1');
    expect(await page.getByLabel('Resolution', { exact: true }).textContent()).toContain('Conversations resolved1');
    expect(await page.locator('canvas').count()).toBe(5);
    // The earlier steps' notices fade on their own; the screenshot is of the page.
    await expect.poll(() => page.locator('.p-toast-message').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}reports.png` });
  }, 90_000);

  it('lists the keyboard shortcuts on "?"', async () => {
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByText('Send the AI draft as it is').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('works in a narrow window: the list, then the conversation on its own', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByLabel('Filter by status').click();
    await page.getByRole('option', { name: 'Resolved' }).click();
    await page.locator('[data-conversation-id]').first().click();
    await page.getByTestId('thread').waitFor();
    expect(await page.getByTestId('conversation-list').isVisible()).toBe(false);
    await page.screenshot({ path: `${SHOTS}conversation-narrow.png` });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows a missing conversation as not found', async () => {
    await page.goto(`${base}/conversations/999999`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
  });

  it("shows an agent of another account none of the first account's conversations", async () => {
    const other = await post('/api/auth/register', undefined, {
      accountName: `Other ${unique}`,
      name: 'Olli Other',
      email: `olli.${unique}@example.com`,
      password: owner.password,
    });
    expect(other.status).toBe(201);
    const otherPage = await app.newPage({ token: other.body.token });
    await otherPage.goto(`${base}/conversations`);
    await otherPage.getByText('No conversations here.').waitFor();
    for (const status of ['Resolved', 'Open']) {
      await otherPage.getByLabel('Filter by status').click();
      await otherPage.getByRole('option', { name: status }).click();
      await otherPage.getByText('No conversations here.').waitFor();
    }
    expect(await otherPage.locator('[data-conversation-id]').count()).toBe(0);
    await otherPage.context().close();
  }, 60_000);

  it('logged no errors in the browser console', () => {
    expect(app.consoleErrors).toEqual([]);
  });
});
