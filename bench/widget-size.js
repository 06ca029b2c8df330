// node bench/widget-size.js (npm run bench:widget builds first): what a company's visitors
// download for the chat bubble. Prints the size of apps/widget/dist/widget.js as built and as
// sent compressed (gzip level 9, what the server sends to browsers that accept gzip; brotli for
// comparison, what a proxy in front may send). Builds the widget when there is no build yet.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 40 * 1024;
const file = new URL('../apps/widget/dist/widget.js', import.meta.url);

if (!existsSync(file)) execFileSync('npm', ['run', 'build', '-w', '@hummdesk/widget'], { stdio: 'inherit' });
const script = readFileSync(file);
const gzip = gzipSync(script, { level: 9 }).length;
const brotli = brotliCompressSync(script).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

console.log(`[bench:widget] widget.js raw    ${script.length} bytes (${kb(script.length)})`);
console.log(`[bench:widget] widget.js gzip   ${gzip} bytes (${kb(gzip)}), budget ${kb(BUDGET_GZIP_BYTES)}`);
console.log(`[bench:widget] widget.js brotli ${brotli} bytes (${kb(brotli)})`);
if (gzip > BUDGET_GZIP_BYTES) {
  console.error(`[bench:widget] over budget by ${kb(gzip - BUDGET_GZIP_BYTES)}`);
  process.exitCode = 1;
}
