/**
 * Webhooks end to end, in Debian's Chromium against the real server on Postgres and a real
 * receiver on 127.0.0.1 that verifies every signature: an administrator adds a webhook (a bad URL
 * shows the server's message by its field), sends a test and redelivers it from the delivery log,
 * reveals the signing secret; a second webhook whose receiver answers 410 Gone is disabled by
 * HummDesk, and the open page shows it at once, with why. Screenshots under test-output/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { startReceiver, type Receiver } from '../../server/src/test-support/webhook-receiver.js';
import { available, openedDialog, PASSWORD, SHOTS, startApp, UI_WAIT_MS, type App } from './harness.js';

vi.setConfig({ expect: { poll: { timeout: UI_WAIT_MS } } });

const unique = Date.now().toString(36);
const owner = { accountName: `Hooks Co ${unique}`, name: 'Hedda Hooks', email: `hedda.${unique}@example.com`, password: PASSWORD };

describe.skipIf(!available)('webhooks in Chromium', () => {
  let app: App;
  let page: Page;
  let token: string;
  let receiver: Receiver;
  const api = (method: string, path: string, body?: unknown) => app.call(method, path, token, body);
  const section = () => page.locator('section#webhooks');
  const webhookAt = async (url: string) => (await api('GET', '/api/webhooks')).body.data.find((webhook: { url: string }) => webhook.url === url);

  beforeAll(async () => {
    receiver = await startReceiver();
    // The receiver is on this machine: the operator allows private addresses, as a test install would.
    app = await startApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    const registered = await app.call('POST', '/api/auth/register', undefined, owner);
    expect(registered.status).toBe(201);
    token = registered.body.token;
    page = await app.newPage({ token });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('adds a webhook, showing a refused URL by its field', async () => {
    await page.goto(`${app.base}/settings`);
    await section().getByText('No webhooks yet.').waitFor();
    await section().getByRole('button', { name: 'Add webhook' }).click();
    const dialog = await openedDialog(page, 'Add a webhook');
    await dialog.getByLabel('URL').fill('ftp://files.example.com/in');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    await expect.poll(() => dialog.locator('#webhook-url-error').textContent()).toMatch(/http or https/);

    await dialog.getByLabel('URL').fill(receiver.url('/e2e'));
    await dialog.getByLabel(/Status changed/).check();
    await dialog.screenshot({ path: `${SHOTS}settings-webhook-form.png` });
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = section().locator('[data-webhook-id]', { hasText: receiver.url('/e2e') });
    await row.getByText('Enabled', { exact: true }).waitFor();
    await row.getByText('Conversation created · Status changed · Message created').waitFor();
    const webhook = await webhookAt(receiver.url('/e2e'));
    expect(webhook.events).toEqual(['conversation.created', 'conversation.status_changed', 'message.created']);
    receiver.expect('/e2e', webhook.secret);
  });

  it('sends a test and redelivers it from the delivery log, signed each time', async () => {
    const row = section().locator('[data-webhook-id]', { hasText: receiver.url('/e2e') });
    await row.getByRole('button', { name: /^Deliveries of/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Webhook deliveries' });
    await dialog.getByText('No deliveries yet.', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Send test' }).click();
    const delivery = dialog.locator('[data-delivery-id]', { hasText: 'Test (ping)' });
    await delivery.getByText('Delivered').waitFor();
    await expect.poll(() => delivery.locator('td').nth(4).textContent()).toBe('200');
    expect(receiver.at('/e2e').map((request) => [request.verified, request.payload.event])).toEqual([[true, 'ping']]);

    await delivery.getByRole('button', { name: /^Redeliver/ }).click();
    await expect.poll(() => delivery.locator('td').nth(3).textContent()).toBe('2');
    await delivery.getByText('Delivered').waitFor();
    const sent = receiver.at('/e2e');
    expect(sent).toHaveLength(2);
    expect(sent.every((request) => request.verified && request.payload.id === sent[0]!.payload.id)).toBe(true);
    await dialog.screenshot({ path: `${SHOTS}settings-webhook-deliveries.png` });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('shows the signing secret only when asked', async () => {
    const row = section().locator('[data-webhook-id]', { hasText: receiver.url('/e2e') });
    await row.getByRole('button', { name: /^Edit the webhook/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit the webhook' });
    const secret = dialog.getByLabel('Webhook signing secret', { exact: true });
    expect(await secret.inputValue()).toMatch(/^•+$/);
    await dialog.getByRole('button', { name: 'Show' }).click();
    expect(await secret.inputValue()).toBe((await webhookAt(receiver.url('/e2e'))).secret);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('shows at once that HummDesk disabled a webhook whose receiver answered 410 Gone', async () => {
    const created = await api('POST', '/api/webhooks', { url: receiver.url('/retired'), events: ['conversation.created'] });
    expect(created.status).toBe(201);
    receiver.expect('/retired', created.body.webhook.secret, () => 410);
    await page.reload();
    const row = section().locator('[data-webhook-id]', { hasText: receiver.url('/retired') });
    await row.getByText('Enabled', { exact: true }).waitFor();

    await api('POST', '/api/conversations', { contact: { name: 'Gone customer' }, message: { content: 'Hello?' } });
    await row.getByText('Disabled by HummDesk: The receiver answered 410 Gone').waitFor();
    await row.getByText('Disabled', { exact: true }).waitFor();
    await page.getByText('A webhook was disabled').waitFor();
    // The other webhook got the same event and stays on.
    await section()
      .locator('[data-webhook-id]', { hasText: receiver.url('/e2e') })
      .getByText('Enabled', { exact: true })
      .waitFor();
    await section().screenshot({ path: `${SHOTS}settings-webhooks.png` });
    // Chromium logs the refused URL's 422 (provoked in the first step); nothing else went wrong.
    const provoked = /status of 422 .*\/api\/webhooks/;
    expect(app.consoleErrors.filter((error) => !provoked.test(error))).toEqual([]);
    expect(app.consoleErrors.filter((error) => provoked.test(error))).toHaveLength(1);
  });
});
