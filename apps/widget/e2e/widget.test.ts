/**
 * The website chat widget end to end, in Debian's Chromium (playwright-core) against the real
 * server (its built agent app, API and widget, one process) on real Postgres. A company's page on
 * another origin embeds the snippet; a visitor fills in the pre-chat form and writes; the agent
 * app shows the message live with its AI category; the agent types and replies, and the visitor
 * sees both live, with the agent's name; the agent app shows the visitor typing; an image goes up
 * and is shown inline; after a reload the conversation is there again, and a reply that arrives
 * while the panel is closed shows on the bubble's badge. A page whose origin the inbox does not
 * allow shows an error and sends nothing. The widget open on the page is saved as
 * test-output/screenshots/widget.png (`npm run screenshots` makes the README's).
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { serveHostPage, widgetSnippet } from '../../../scripts/lib/host-page.js';
import { eventually } from '../../server/src/test-support/eventually.js';
import { available, freePort, PASSWORD, SHOTS, startApp, UI_WAIT_MS, type App } from '../../web/e2e/harness.js';

// The visitor's page follows API calls and live events: expect.poll's default second is too short on a loaded machine.
vi.setConfig({ expect: { poll: { timeout: UI_WAIT_MS } } });

const built = existsSync(new URL('../dist/widget.js', import.meta.url));
if (available && !built && process.env.CI === 'true') throw new Error('the widget end-to-end test needs the built widget (npm run build)');

const unique = Date.now().toString(36);
const owner = { accountName: `Fjord Outfitters ${unique}`, name: 'Alex Admin', email: `alex.${unique}@example.com`, password: PASSWORD };
const visitorName = 'Maria Virtanen';
const firstMessage = 'Hi! The pole of my Nordkapp 2 tent snapped on the first night. Can I get a replacement?';
const reply = 'Sorry to hear that, Maria! A replacement pole is on its way today, free of charge.';

type Site = Awaited<ReturnType<typeof serveHostPage>>;

describe.skipIf(!available || !built)('the website chat widget in Chromium', () => {
  let app: App;
  let token: string;
  let site: Site;
  /** The same page on a website the inbox does not list. */
  let elsewhere: Site;
  let agent: Page;
  let visitor: Page;
  let conversationId: number;
  const chat = () => visitor.getByRole('dialog', { name: 'Fjord Outfitters' });
  const thread = () => chat().getByRole('log');
  const conversations = async () => (await app.call('GET', '/api/conversations', token)).body.data as { id: number; inboxId: number }[];
  /** The message with this text, as the widget shows it (its bubble, sender and time). */
  const shown = (text: string): Locator => thread().getByRole('listitem').filter({ hasText: text });

  beforeAll(async () => {
    app = await startApp();
    const registered = await app.call('POST', '/api/auth/register', undefined, owner);
    expect(registered.status).toBe(201);
    token = registered.body.token;
    // The company's site is on a port of its own: another origin than HummDesk's.
    const port = await freePort();
    const inbox = await app.call('POST', '/api/inboxes', token, {
      name: 'Fjord Outfitters',
      channelType: 'web_widget',
      settings: {
        color: '#1f6f5c',
        greeting: 'Questions about sizing, orders or returns? We usually answer within minutes.',
        allowedOrigins: [`http://127.0.0.1:${port}`],
        preChatForm: true,
      },
    });
    expect(inbox.status).toBe(201);
    const snippet = widgetSnippet(app.base, inbox.body.inbox.identifier);
    site = await serveHostPage(snippet, port);
    elsewhere = await serveHostPage(snippet);
    agent = await app.newPage({ token });
    await agent.goto(`${app.base}/conversations`);
    await agent.getByText('No conversations here.').waitFor();
    visitor = await app.newPage();
  }, 180_000);

  afterAll(async () => {
    await site?.close();
    await elsewhere?.close();
    await app?.stop();
  });

  it('shows the bubble on the company’s page; the visitor opens it, introduces themself and writes', async () => {
    await visitor.goto(site.origin);
    const bubble = visitor.getByRole('button', { name: 'Open chat' });
    await bubble.click();
    await chat().getByText('Questions about sizing, orders or returns?').waitFor();
    // The page's own loud styles (serif, uppercase buttons) stay outside the Shadow DOM.
    const startChat = chat().getByRole('button', { name: 'Start chat' });
    expect(await startChat.evaluate((button) => getComputedStyle(button).textTransform)).toBe('none');
    expect(
      await chat()
        .getByLabel('Your name')
        .evaluate((input) => input === (input.getRootNode() as ShadowRoot).activeElement),
    ).toBe(true);
    await chat().getByLabel('Your name').fill(visitorName);
    await chat().getByLabel('Your e-mail').fill(`maria.${unique}@example.com`);
    await chat().getByLabel('How can we help?').fill(firstMessage);
    await startChat.click();
    await shown(firstMessage).waitFor();
    await chat().getByRole('textbox', { name: 'Write a message…' }).waitFor();
    const [conversation] = await eventually('the conversation to be stored', async () => {
      const list = await conversations();
      return list.length > 0 ? list : undefined;
    });
    conversationId = conversation!.id;
    const stored = await app.call('GET', `/api/conversations/${conversationId}`, token);
    expect(stored.body.conversation.contact.name).toBe(visitorName);
  }, 60_000);

  it('reaches the agent app live, where the AI classifies it', async () => {
    const row = agent.locator(`[data-conversation-id="${conversationId}"]`);
    await row.waitFor({ timeout: UI_WAIT_MS });
    await expect.poll(() => row.textContent()).toContain(visitorName);
    await row.getByTestId('category').waitFor({ timeout: 60_000 });
    const stored = await app.call('GET', `/api/conversations/${conversationId}/classification`, token);
    expect(await row.getByTestId('category').textContent()).toBe(stored.body.classification.category);
  }, 90_000);

  it('shows the agent typing, then their reply with their name, live', async () => {
    await agent.locator(`[data-conversation-id="${conversationId}"]`).click();
    await agent.getByTestId('thread').getByText(firstMessage).waitFor();
    const composer = agent.getByRole('textbox', { name: 'Message' });
    await composer.pressSequentially('Sorry to hear');
    await chat().getByText('Alex Admin is typing…').waitFor();
    await composer.fill(reply);
    await agent.getByRole('button', { name: 'Send reply', exact: true }).click();
    await shown(reply).waitFor();
    expect(await shown(reply).getByText('Alex Admin').count()).toBe(1);
    await expect.poll(() => chat().getByText('is typing').count()).toBe(0);
  }, 60_000);

  it('shows the agent that the visitor is typing, until the message arrives', async () => {
    const typing = agent.getByText(`${visitorName} is typing…`);
    await chat().getByRole('textbox', { name: 'Write a message…' }).pressSequentially('Thank you');
    await typing.waitFor();
    await chat().getByRole('textbox', { name: 'Write a message…' }).press('Enter');
    await agent.getByTestId('thread').getByText('Thank you').waitFor();
    await typing.waitFor({ state: 'detached' });
  }, 60_000);

  it('sends an image, shown inline in the widget and stored with the message', async () => {
    const png = await visitor.screenshot({ clip: { x: 56, y: 120, width: 240, height: 160 } });
    await chat().getByRole('button', { name: 'Attach an image or PDF' }).waitFor();
    await visitor.locator('#hummdesk-widget input[type="file"]').setInputFiles({ name: 'snapped-pole.png', mimeType: 'image/png', buffer: png });
    await chat().getByRole('button', { name: 'Remove snapped-pole.png' }).waitFor();
    await chat().getByRole('button', { name: 'Send message' }).click();
    const image = thread().getByRole('img', { name: 'snapped-pole.png' });
    await image.waitFor();
    // Loaded from HummDesk's origin into the company's page: the browser let it in.
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    const messages = await app.call('GET', `/api/conversations/${conversationId}/messages?order=desc&limit=1`, token);
    expect(messages.body.data[0].attachments).toMatchObject([{ fileName: 'snapped-pole.png', contentType: 'image/png' }]);
  }, 60_000);

  it('finds the conversation again after a reload, and counts a reply that arrives while it is closed', async () => {
    await visitor.reload();
    const bubble = visitor.getByRole('button', { name: /^Open chat/ });
    await bubble.waitFor();
    const later = 'The tracking code is FJ-48213. Anything else I can help with?';
    expect((await app.call('POST', `/api/conversations/${conversationId}/messages`, token, { content: later })).status).toBe(201);
    await visitor.getByRole('button', { name: 'Open chat (1 unread message)' }).waitFor();
    await bubble.click();
    for (const text of [firstMessage, reply, 'Thank you', later]) await shown(text).waitFor();
    await thread().getByRole('img', { name: 'snapped-pole.png' }).waitFor();
    // A returning visitor is not asked who they are again.
    expect(await chat().getByLabel('Your e-mail').isVisible()).toBe(false);
    expect(await visitor.locator('#hummdesk-widget .badge').isHidden()).toBe(true);
    await expect
      .poll(() =>
        thread()
          .getByRole('img', { name: 'snapped-pole.png' })
          .evaluate((img: HTMLImageElement) => img.complete),
      )
      .toBe(true);
    await visitor.screenshot({ path: `${SHOTS}widget.png` });
  }, 60_000);

  it('closes with Escape and gives the focus back to the bubble', async () => {
    await chat().getByRole('textbox', { name: 'Write a message…' }).focus();
    await visitor.keyboard.press('Escape');
    await chat().waitFor({ state: 'hidden' });
    expect(await visitor.getByRole('button', { name: 'Open chat' }).evaluate((button) => button === (button.getRootNode() as ShadowRoot).activeElement)).toBe(
      true,
    );
  });

  it("speaks the visitor's browser language", async () => {
    const context = await app.browser.newContext({ locale: 'fi-FI' });
    const page = await context.newPage();
    await page.goto(site.origin);
    await page.getByRole('button', { name: 'Avaa chat' }).click();
    await page.getByRole('dialog').getByLabel('Sähköpostiosoitteesi').waitFor();
    await page.getByRole('button', { name: 'Sulje chat' }).first().waitFor();
    await context.close();
  });

  it('shows an error and sends nothing on a website the inbox does not allow', async () => {
    const before = (await conversations()).length;
    // Its own browser context: Chromium reports the refused requests as console errors, which are the point here.
    const context = await app.browser.newContext();
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (request) => request.method() !== 'GET' && sent.push(`${request.method()} ${request.url()}`));
    await page.goto(elsewhere.origin);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByText('Chat is not available right now').waitFor();
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(sent).toEqual([]);
    expect((await conversations()).length).toBe(before);
    await context.close();
  });

  it('follows a signed-in user of the site to another browser, and refuses identities the site did not sign', async () => {
    const [signedInPort, otherDevicePort] = [await freePort(), await freePort()];
    const created = await app.call('POST', '/api/inboxes', token, {
      name: 'Fjord Members',
      channelType: 'web_widget',
      settings: { allowedOrigins: [`http://127.0.0.1:${signedInPort}`, `http://127.0.0.1:${otherDevicePort}`], requireIdentity: true },
    });
    const { identifier, secret } = created.body.inbox;
    const member = 'member-1042';
    // What the company's server computes for the user it has signed in.
    const hash = createHmac('sha256', secret).update(member).digest('hex');
    const question = 'Does my member discount apply to the Lofoten bag?';
    // One page identifies its user from script (HummDesk.identify), the other on the tag.
    const scripted = await serveHostPage(widgetSnippet(app.base, identifier), signedInPort);
    const tagged = await serveHostPage(
      widgetSnippet(app.base, identifier, { identifier: member, 'identifier-hash': hash, name: 'Mikko Member' }),
      otherDevicePort,
    );
    try {
      const laptop = await app.newPage();
      await laptop.goto(scripted.origin);
      await laptop.getByRole('button', { name: 'Open chat' }).click();
      await laptop.getByRole('dialog').getByText('Please sign in to chat with us.').waitFor();
      await laptop.evaluate(([id, signature]) => (window as any).HummDesk.identify(id, signature, { name: 'Mikko Member' }), [member, hash]);
      const composer = laptop.getByRole('dialog').getByRole('textbox', { name: 'Write a message…' });
      await composer.fill(question);
      await composer.press('Enter');
      await eventually('the member’s conversation to be stored', async () => {
        const list = await app.call('GET', `/api/conversations?inboxId=${created.body.inbox.id}`, token);
        return list.body.data.length === 1 ? true : undefined;
      });

      // Another browser of the same user: the same conversation.
      const phone = await app.newPage({ width: 400 });
      await phone.goto(tagged.origin);
      await phone.getByRole('button', { name: 'Open chat' }).click();
      await phone.getByRole('dialog').getByRole('log').getByText(question).waitFor();

      // A signature that does not verify opens nothing.
      const forger = await app.newPage();
      await forger.goto(scripted.origin);
      await forger.getByRole('button', { name: 'Open chat' }).click();
      await forger.evaluate((id) => (window as any).HummDesk.identify(id, 'f'.repeat(64)), member);
      await forger.getByRole('dialog').getByText('Please sign in to chat with us.').waitFor();
      expect(await forger.getByRole('dialog').getByText(question).count()).toBe(0);
      expect(await forger.getByRole('dialog').getByRole('textbox').count()).toBe(0);
    } finally {
      await scripted.close();
      await tagged.close();
    }
  }, 90_000);

  it('left no errors in the browser console', () => {
    expect(app.consoleErrors).toEqual([]);
  });
});
