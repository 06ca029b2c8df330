/**
 * Inbox channels end to end, in Debian's Chromium against the real server on Postgres: an
 * administrator creates a website-widget inbox, sets its colour, greeting and allowed websites
 * (a website with a path shows the server's message by its field), copies the snippet, reveals and
 * rotates the identity secret; sets an API inbox's callback URL; then a customer writing through
 * the public client API types, and the agent sees "… is typing" in the conversation while the
 * customer's socket hears the agent typing back. Screenshots under test-output/screenshots/.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { available, openedDialog, PASSWORD, SHOTS, startApp, UI_WAIT_MS, type App } from './harness.js';

vi.setConfig({ expect: { poll: { timeout: UI_WAIT_MS } } });

const unique = Date.now().toString(36);
const owner = { accountName: `Channels Co ${unique}`, name: 'Cleo Channels', email: `cleo.${unique}@example.com`, password: PASSWORD };

describe.skipIf(!available)('inbox channels in Chromium', () => {
  let app: App;
  let page: Page;
  let token: string;
  let customer: Socket | undefined;
  const api = (method: string, path: string, body?: unknown) => app.call(method, path, token, body);
  const inboxNamed = async (name: string) => (await api('GET', '/api/inboxes')).body.data.find((inbox: { name: string }) => inbox.name === name);

  beforeAll(async () => {
    app = await startApp();
    const registered = await app.call('POST', '/api/auth/register', undefined, owner);
    expect(registered.status).toBe(201);
    token = registered.body.token;
    page = await app.newPage({ token });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.base });
  }, 180_000);

  afterAll(async () => {
    customer?.disconnect();
    await app?.stop();
  });

  async function addInbox(name: string, channel: string) {
    await page.getByLabel("New inbox's name").fill(name);
    await page.getByLabel("New inbox's channel").click();
    await page.getByRole('option', { name: channel }).click();
    await page.getByRole('button', { name: 'Add inbox' }).click();
    await page.locator('section#inboxes li', { hasText: name }).getByText(channel).waitFor();
    await page.getByRole('button', { name: `Channel settings of inbox ${name}` }).click();
    return openedDialog(page, `Channel settings of ${name}`);
  }

  it('sets up a website widget: its look, its websites, the snippet and the identity secret', async () => {
    await page.goto(`${app.base}/settings`);
    const dialog = await addInbox('Website chat', 'Website widget');
    const created = await inboxNamed('Website chat');

    await dialog.getByLabel('Colour', { exact: true }).fill('#0E7490');
    await dialog.getByLabel('Greeting').fill('Hi! Ask us anything.');
    await dialog.getByLabel('Allowed websites').fill('https://shop.example.com/checkout');
    await dialog.getByText("Ask for the visitor's name and e-mail before the first message").click();
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await dialog.getByText(/settings\.allowedOrigins has "https:\/\/shop\.example\.com\/checkout"/).waitFor();

    await dialog.getByLabel('Allowed websites').fill('https://shop.example.com\nhttp://localhost:8080');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await inboxNamed('Website chat')).settings).toEqual({
      color: '#0e7490',
      greeting: 'Hi! Ask us anything.',
      allowedOrigins: ['https://shop.example.com', 'http://localhost:8080'],
      preChatForm: true,
      requireIdentity: false,
    });

    await page.getByRole('button', { name: 'Channel settings of inbox Website chat' }).click();
    const reopened = page.getByRole('dialog', { name: 'Channel settings of Website chat' });
    const snippet = `<script src="${app.base}/widget.js" data-inbox="${created.identifier}" async></script>`;
    expect(await reopened.getByLabel('Embed code', { exact: true }).inputValue()).toBe(snippet);
    await reopened.getByRole('button', { name: 'Copy code' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);
    expect(await reopened.getByLabel('Inbox secret', { exact: true }).inputValue()).not.toContain(created.secret);
    await reopened.getByRole('button', { name: 'Show' }).click();
    expect(await reopened.getByLabel('Inbox secret', { exact: true }).inputValue()).toBe(created.secret);
    // Tall enough for the whole dialog to show without scrolling.
    await page.setViewportSize({ width: 1280, height: 1500 });
    await reopened.screenshot({ path: `${SHOTS}inbox-widget-settings.png` });
    await page.setViewportSize({ width: 1280, height: 800 });

    await reopened.getByRole('button', { name: 'Rotate: Inbox secret' }).click();
    await reopened.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(async () => (await inboxNamed('Website chat')).secret).not.toBe(created.secret);
    const fresh = (await inboxNamed('Website chat')).secret;
    await expect.poll(() => reopened.getByLabel('Inbox secret', { exact: true }).inputValue()).toBe(fresh);
    await reopened.getByRole('button', { name: 'Cancel' }).click();
  });

  it("sets an API inbox's callback URL, refusing one that is not a web address", async () => {
    const dialog = await addInbox('Mobile app', 'API');
    await dialog.getByLabel('Callback URL').fill('ftp://files.example.com');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await dialog.getByText(/settings\.callbackUrl must be an http or https URL/).waitFor();
    await dialog.getByLabel('Callback URL').fill('https://app.example.com/hummdesk');
    await dialog.screenshot({ path: `${SHOTS}inbox-api-settings.png` });
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await inboxNamed('Mobile app')).settings).toEqual({ callbackUrl: 'https://app.example.com/hummdesk' });
  });

  it('shows the customer typing in the conversation, and tells the customer when the agent types', async () => {
    const inbox = await inboxNamed('Website chat');
    const base = `/api/public/inboxes/${inbox.identifier}`;
    const contact = await app.call('POST', `${base}/contacts`, undefined, { name: 'Vera Visitor' });
    const opened = await app.call('POST', `${base}/contacts/${contact.body.contact.identifier}/conversations`, contact.body.token, {
      message: { content: 'Is the blue kettle back in stock?' },
    });
    expect(opened.status).toBe(201);
    const id = opened.body.conversation.id;

    customer = io(`${app.base}/contacts`, { auth: { inbox: inbox.identifier, token: contact.body.token }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      customer!.once('connect', resolve);
      customer!.once('connect_error', reject);
    });
    const agentTyping: { conversationId: number; typing: boolean; name: string }[] = [];
    customer.on('typing', (payload) => agentTyping.push(payload));

    await page.goto(`${app.base}/conversations/${id}`);
    await page.getByTestId('thread').getByText('Is the blue kettle back in stock?').waitFor();
    // The page joins the conversation's room once it shows it; the customer says so again while typing.
    await expect
      .poll(async () => {
        customer!.emit('typing', { conversationId: id, typing: true });
        return page.getByText('Vera Visitor is typing…').isVisible();
      })
      .toBe(true);
    await page.screenshot({ path: `${SHOTS}conversation-customer-typing.png` });
    customer.emit('typing', { conversationId: id, typing: false });
    await page.getByText('Vera Visitor is typing…').waitFor({ state: 'hidden' });

    await page.getByRole('textbox', { name: 'Message' }).pressSequentially('Yes, it is', { delay: 20 });
    await expect.poll(() => agentTyping.find((event) => event.typing)).toEqual({ conversationId: id, typing: true, name: 'Cleo Channels' });
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => agentTyping.at(-1)?.typing).toBe(false);
  });

  it('logged no errors in the browser console but the two refusals it provoked', () => {
    const provoked = /status of 422 .*\/api\/inboxes\/\d+/;
    expect(app.consoleErrors.filter((error) => !provoked.test(error))).toEqual([]);
    expect(app.consoleErrors.filter((error) => provoked.test(error))).toHaveLength(2);
  });
});
