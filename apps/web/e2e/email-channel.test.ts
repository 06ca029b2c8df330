/**
 * The e-mail channel end to end, in Debian's Chromium against the real server on Postgres and a
 * real SMTP relay on loopback (test-support/mail.ts): an administrator creates an e-mail inbox in
 * the channel dialog (a bad address answered under its field), which stays open on the new inbox
 * with its inbound webhook, its secret (rotated) and the connection tests (the relay connects; a
 * closed IMAP port says what failed). A customer's HTML mail posted to the inbound webhook opens a conversation showing the
 * subject and the reply without its quoted history, and the full mail in the sandboxed frame
 * (sanitised, nothing run). The agent's reply leaves through the relay and shows "Sent" live; a
 * refused one shows the relay's answer, and Retry sends it. An automatic mail whose sender failed
 * DMARC is marked. Screenshots under test-output/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FrameLocator, Page } from 'playwright-core';
import { eventually } from '../../server/src/test-support/eventually.js';
import { startSmtpSink, type SmtpSink } from '../../server/src/test-support/mail.js';
import { available, freePort, openedDialog, PASSWORD, SHOTS, startApp, UI_WAIT_MS, type App } from './harness.js';

vi.setConfig({ expect: { poll: { timeout: UI_WAIT_MS } } });

const unique = Date.now().toString(36);
const owner = { accountName: `Mail Co ${unique}`, name: 'Maja Mail', email: `maja.${unique}@example.com`, password: PASSWORD };
const address = `support.${unique}@shop.example`;

/** A customer's mail as their client sends it: a text part with the quoted history, and an HTML part. */
const customerMail = (messageId: string) =>
  [
    'From: Jane Doe <jane@customer.example>',
    `To: Shop support <${address}>`,
    'Subject: Order 1042 never arrived',
    `Message-ID: <${messageId}>`,
    'Date: Mon, 07 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, my parcel has not come yet. Can you check?',
    '',
    'On Fri, 4 Dec 2026, Shop <orders@shop.example> wrote:',
    '> Your order 1042 has shipped.',
    '',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Hello, my parcel has <b>not come yet</b>. Can you check?</p>',
    '<script>parent.hacked = true</script><img src="x" onerror="parent.hacked = true">',
    '<img src="https://tracker.example/open.gif" width="1" height="1">',
    '<blockquote>Your order 1042 has shipped.</blockquote>',
    '--b1--',
    '',
  ].join('\r\n');

const autoReply = [
  'From: Out Of Office <away@partner.example>',
  `To: ${address}`,
  'Subject: Automatic reply: your message',
  `Message-ID: <away.${unique}@partner.example>`,
  'Auto-Submitted: auto-replied',
  'Authentication-Results: mx.shop.example; spf=fail smtp.mailfrom=partner.example; dkim=fail; dmarc=fail header.from=partner.example',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'I am out of the office until Monday.',
  '',
].join('\r\n');

describe.skipIf(!available)('the e-mail channel in Chromium', () => {
  let app: App;
  let sink: SmtpSink;
  let page: Page;
  let token: string;
  let inbox: { id: number; identifier: string; settings: { inboundSecret: string } };
  let conversationId: number;
  const api = (method: string, path: string, body?: unknown) => app.call(method, path, token, body);
  const thread = () => page.getByTestId('thread');

  beforeAll(async () => {
    sink = await startSmtpSink();
    // The relay is on loopback, which e-mail inboxes may use only when allowed.
    app = await startApp({ EMAIL_ALLOW_PRIVATE_NETWORKS: 'true' });
    const registered = await app.call('POST', '/api/auth/register', undefined, owner);
    expect(registered.status).toBe(201);
    token = registered.body.token;
    page = await app.newPage({ token });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.base });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await sink?.close();
  });

  /** Mail as a provider posts it to the inbox's inbound webhook. */
  async function postMail(raw: string) {
    const answer = await fetch(`${app.base}/api/public/inboxes/${inbox.identifier}/email`, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${inbox.settings.inboundSecret}` },
      body: raw,
    });
    expect(answer.status).toBe(202);
  }
  const conversationFrom = (email: string) =>
    eventually(`a conversation from ${email}`, async () => {
      const { body } = await api('GET', `/api/conversations?inboxId=${inbox.id}`);
      return body.data.find((conversation: { contact: { email: string } }) => conversation.contact.email === email)?.id as number | undefined;
    });

  it('creates an e-mail inbox in the channel dialog, then shows its webhook and tests its connections', async () => {
    await page.goto(`${app.base}/settings`);
    await page.getByLabel("New inbox's name").fill('Support mail');
    await page.getByLabel("New inbox's channel").click();
    await page.getByRole('option', { name: 'E-mail' }).click();
    await page.getByRole('button', { name: 'Add inbox' }).click();
    const dialog = await openedDialog(page, 'New e-mail inbox');
    expect(await dialog.getByLabel('Inbox name').inputValue()).toBe('Support mail');
    await dialog.getByText('Once the inbox is created, this dialog tests the connections').waitFor();

    await dialog.getByLabel('E-mail address').fill('support+sales@shop.example');
    await dialog.getByLabel('SMTP host').fill('127.0.0.1');
    await dialog.getByLabel('SMTP port').fill(String(sink.port));
    await dialog.getByLabel('SMTP user name').fill('support');
    await dialog.getByLabel('SMTP password').fill('relay password');
    await dialog.getByRole('button', { name: 'Create inbox' }).click();
    await dialog.getByText(/settings\.address must be an e-mail address such as support@example\.com, without "\+"/).waitFor();

    await dialog.getByLabel('E-mail address').fill(address);
    await dialog.getByRole('button', { name: 'Create inbox' }).click();
    const settings = page.getByRole('dialog', { name: 'Channel settings of Support mail' });
    await settings.getByText('The inbox is created.').waitFor();
    inbox = (await api('GET', '/api/inboxes')).body.data.find((one: { name: string }) => one.name === 'Support mail');
    expect(inbox.settings).toMatchObject({
      address,
      smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'support', passwordSet: true },
    });
    expect(JSON.stringify(inbox)).not.toContain('relay password');
    expect(await settings.getByLabel('SMTP password').getAttribute('placeholder')).toBe('Stored (type to replace it)');

    const webhookUrl = `${app.base}/api/public/inboxes/${inbox.identifier}/email`;
    expect(await settings.getByLabel('Inbound webhook URL', { exact: true }).inputValue()).toBe(webhookUrl);
    await settings.getByRole('button', { name: 'Show' }).click();
    expect(await settings.getByLabel('Inbound webhook secret', { exact: true }).inputValue()).toBe(inbox.settings.inboundSecret);
    await settings.getByRole('button', { name: 'Rotate: Inbound webhook secret' }).click();
    await settings.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = () => api('GET', `/api/inboxes/${inbox.id}`).then(({ body }) => body.inbox.settings.inboundSecret as string);
    await expect.poll(rotated).not.toBe(inbox.settings.inboundSecret);
    inbox.settings.inboundSecret = await rotated();
    await expect.poll(() => settings.getByLabel('Inbound webhook secret', { exact: true }).inputValue()).toBe(inbox.settings.inboundSecret);

    // The sink takes mail without a login; a relay that asked for one would say so.
    await settings.getByLabel('SMTP user name').fill('');
    await settings.getByRole('button', { name: 'Test SMTP' }).click();
    await settings.getByText('Connected: the SMTP relay takes mail from HummDesk.').waitFor();

    const closed = await freePort();
    await settings.getByText('Fetch new mail from an IMAP mailbox').click();
    await settings.getByLabel('IMAP host').fill('127.0.0.1');
    await settings.getByLabel('IMAP port').fill(String(closed));
    await settings.getByLabel('IMAP user name').fill('support');
    await settings.getByLabel('IMAP password').fill('mailbox password');
    await settings.getByRole('button', { name: 'Test IMAP' }).click();
    await settings.getByText(new RegExp(`^Not connected \\(no connection\\): .*127\\.0\\.0\\.1:${closed}`)).waitFor();
    await page.setViewportSize({ width: 1280, height: 1900 });
    await settings.screenshot({ path: `${SHOTS}inbox-email-settings.png` });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Saved without IMAP, and with the relay's login taken away.
    await settings.getByText('Fetch new mail from an IMAP mailbox').click();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.waitFor({ state: 'detached' });
    const saved = (await api('GET', `/api/inboxes/${inbox.id}`)).body.inbox;
    expect(saved.settings.smtp).toEqual({ host: '127.0.0.1', port: sink.port, secure: false, passwordSet: false });
    expect(saved.settings.imap).toBeUndefined();
  });

  it('shows a mail posted to the webhook: subject, the reply without quotes, the full mail in a sandboxed frame', async () => {
    await postMail(customerMail(`parcel.${unique}@customer.example`));
    conversationId = await conversationFrom('jane@customer.example');
    // Wide enough for the thread to show a mail as an agent at a desk sees it.
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto(`${app.base}/conversations/${conversationId}`);
    await thread().getByText('Order 1042 never arrived').waitFor();
    await thread().getByText('Hello, my parcel has not come yet. Can you check?').waitFor();
    expect(await thread().textContent()).not.toContain('has shipped');
    expect(
      await thread()
        .getByText(/^From jane@customer\.example to /)
        .textContent(),
    ).toContain(address);

    await thread().getByRole('button', { name: 'Show full e-mail' }).click();
    const frame: FrameLocator = page.frameLocator('iframe[title="The full e-mail"]');
    await frame.getByText('not come yet').waitFor();
    await frame.getByText('Your order 1042 has shipped.').waitFor();
    const sandbox = (await page.locator('iframe[title="The full e-mail"]').getAttribute('sandbox'))!.split(' ');
    expect(sandbox).not.toContain('allow-scripts');
    expect(await frame.locator('script, [onerror], img[src*="tracker.example"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { hacked?: boolean }).hacked)).toBeUndefined();
    await page.screenshot({ path: `${SHOTS}conversation-email.png` });
  });

  it("sends the agent's reply through the relay and shows it sent; a refused one shows why, and Retry sends it", async () => {
    await page.getByRole('textbox', { name: 'Message' }).fill('Sorry about that! It is on its way **today**.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const reply = thread().locator('li.outgoing', { hasText: 'It is on its way' });
    await reply.getByText('Sent', { exact: true }).waitFor();
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.envelope.to).toEqual(['jane@customer.example']);
    expect(sink.messages[0]!.text).toMatch(new RegExp(`^In-Reply-To: <parcel\\.${unique}@customer\\.example>`, 'm'));

    sink.behave(() => 550);
    await page.getByRole('textbox', { name: 'Message' }).fill('One more thing: the tracking number is 123.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const refused = thread().locator('li.outgoing', { hasText: 'tracking number' });
    await refused.getByText(/Not delivered: .*550 Mailbox unavailable/).waitFor();
    await refused.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}conversation-email-failed.png` });

    sink.behave(() => 250);
    await refused.getByRole('button', { name: 'Retry' }).click();
    await refused.getByText('Sent', { exact: true }).waitFor();
    expect(sink.messages.filter((message) => message.answered === 250)).toHaveLength(2);
  });

  it('marks an automatic mail whose sender could not be verified', async () => {
    await postMail(autoReply);
    const id = await conversationFrom('away@partner.example');
    await page.goto(`${app.base}/conversations/${id}`);
    await thread().getByText('I am out of the office until Monday.').waitFor();
    await thread().getByText('auto-reply').waitFor();
    await thread().getByText('Sender could not be verified (SPF/DKIM/DMARC failed)').waitFor();
    await page.screenshot({ path: `${SHOTS}conversation-email-auto-reply.png` });
  });

  it('logged no errors in the browser console but the refusal it provoked', () => {
    const provoked = /status of 422 .*\/api\/inboxes/;
    expect(app.consoleErrors.filter((error) => !provoked.test(error))).toEqual([]);
    expect(app.consoleErrors.filter((error) => provoked.test(error))).toHaveLength(1);
  });
});
