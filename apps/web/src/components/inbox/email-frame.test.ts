// @vitest-environment jsdom
/**
 * The frame an e-mail's HTML is shown in, in Debian's Chromium: the wall behind the server's
 * sanitiser must hold on its own. A script put into the frame after sanitising (as if the
 * sanitiser had missed it) does not run; trackers, remote styles and fonts are never fetched while
 * pictures from this server and inline ones are; the app can still measure the frame. The
 * document is built in jsdom (DOMPurify needs a DOM), the page served from a local HTTP server so
 * that it has a real origin; "elsewhere" is the same server under another name (localhost), so
 * anything fetched from it would show in the server's log.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_FRAME_SANDBOX, emailFrameDocument } from './email-frame';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`the e-mail frame test needs Chromium at ${CHROMIUM}`);

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

describe.skipIf(!available)('the e-mail frame in Chromium', () => {
  let server: Server;
  let origin: string;
  let elsewhere: string;
  let browser: Browser;
  let hostPage = '';
  /** Every path this server was asked for. */
  const served: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      served.push(request.url ?? '');
      if (request.url === '/own.png') return response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PIXEL, 'base64'));
      response.writeHead(200, { 'content-type': 'text/html' }).end(hostPage);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
    elsewhere = `http://localhost:${port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('runs no script, fetches nothing from elsewhere, and shows pictures of this server and inline ones', async () => {
    const html = [
      `<style>@import url("${elsewhere}/import.css"); @font-face { font-family: Spy; src: url("${elsewhere}/font.woff") } p { font-family: Spy }</style>`,
      `<p id="greeting" style="background: url(${elsewhere}/background.png)">Hello from <b>Jane</b></p>`,
      `<img id="tracker" src="${elsewhere}/pixel.gif" width="1" height="1">`,
      `<img id="own" src="${origin}/own.png"><img id="inline" src="data:image/png;base64,${PIXEL}">`,
      '<a id="link" href="https://shop.example/orders/1042">Order 1042</a>',
      'MISSED',
    ].join('');
    // What a sanitiser might miss, put in after it: the frame must stop it by itself.
    const missed = [
      '<script>document.title = "ran"; parent.hacked = true</script>',
      '<img src="data:," onerror="parent.hacked = true">',
      `<form action="${elsewhere}/steal"><input name="card" value="4111"></form>`,
    ].join('');
    const srcdoc = emailFrameDocument(html, [], origin).replace('MISSED', missed);
    expect(srcdoc).toContain('<script>');
    hostPage = `<!doctype html><html><body><iframe id="mail" sandbox="${EMAIL_FRAME_SANDBOX}" srcdoc="${escapeAttribute(srcdoc)}"></iframe></body></html>`;

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${origin}/`);
    const frame = page.frameLocator('#mail');
    await frame.locator('#greeting').waitFor();
    await expect.poll(() => page.evaluate(() => (document.querySelector('#mail') as HTMLIFrameElement).contentDocument?.readyState)).toBe('complete');

    // Scripts and handlers did not run, in the frame or the page.
    expect(await page.evaluate(() => (window as unknown as { hacked?: boolean }).hacked)).toBeUndefined();
    expect(await page.evaluate(() => (document.querySelector('#mail') as HTMLIFrameElement).contentDocument!.title)).toBe('');
    // The form cannot be sent: the sandbox has no allow-forms.
    await page.evaluate(() => (document.querySelector('#mail') as HTMLIFrameElement).contentDocument!.querySelector('form')!.requestSubmit());

    // Pictures of this server and inline ones load, nothing else was fetched from anywhere.
    const loaded = (id: string) =>
      page.evaluate(
        (one) => ((document.querySelector('#mail') as HTMLIFrameElement).contentDocument!.getElementById(one) as HTMLImageElement).naturalWidth,
        id,
      );
    await expect.poll(() => loaded('own')).toBe(1);
    expect(await loaded('inline')).toBe(1);
    expect(await loaded('tracker')).toBe(0);
    await page.waitForLoadState('networkidle');
    expect(served.filter((path) => path !== '/favicon.ico')).toEqual(['/', '/own.png']);

    // Links leave the sandbox in a new tab; the app can measure the frame to fit it.
    expect(await frame.locator('#link').getAttribute('href')).toBe('https://shop.example/orders/1042');
    expect(await page.evaluate(() => (document.querySelector('#mail') as HTMLIFrameElement).contentDocument!.baseURI)).toBe(`${origin}/`);
    expect(await page.evaluate(() => (document.querySelector('#mail') as HTMLIFrameElement).contentDocument!.querySelector('base')!.target)).toBe('_blank');
    expect(await page.evaluate(() => (document.querySelector('#mail') as HTMLIFrameElement).contentDocument!.body.scrollHeight)).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    await page.close();
  });
});
