// A pretend company's website (apps/widget/test-page) with the widget's snippet in it, on an
// origin of its own (another port than HummDesk's), for the widget's end-to-end test and the
// README's screenshot. Plain JavaScript so that `npm run screenshots` runs it with node;
// host-page.d.ts types it for the tests.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const PAGE = new URL('../../apps/widget/test-page/index.html', import.meta.url);

/**
 * The snippet an inbox's settings show (HummDesk's address and the inbox's public identifier),
 * with more `data-` attributes if given (`{identifier, 'identifier-hash'}`: a signed-in user).
 */
export const widgetSnippet = (base, inboxIdentifier, attributes = {}) =>
  `<script src="${base}/widget.js" data-inbox="${inboxIdentifier}"${Object.entries(attributes)
    .map(([name, value]) => ` data-${name}="${value}"`)
    .join('')} async></script>`;

/** Serves the page with `snippet` in place of its placeholder, at every path, on 127.0.0.1. */
export async function serveHostPage(snippet, port = 0) {
  const html = readFileSync(PAGE, 'utf8').replace('<!-- WIDGET -->', snippet);
  const server = createServer((request, response) => {
    if (request.method !== 'GET') return response.writeHead(405).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
