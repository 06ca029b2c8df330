// The archives of issue 11 (finding 5), for the import tests and benchmark: a small zip of many
// large Markdown files, and a zip bomb whose headers lie about its size. Plain JavaScript so that
// the benchmark runs it with node; zips.d.ts types it for the tests.
import { once } from 'node:events';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';

/** A Markdown file of `chars` characters (ASCII) repetitive enough to deflate about 1:680. */
function repetitiveManual(title, chars) {
  const paragraph = 'Tents.\n\n';
  const head = `# ${title}\n\n`;
  return (head + paragraph.repeat(Math.ceil(chars / paragraph.length))).slice(0, chars);
}

/** `count` Markdown files of `chars` characters each, deflated by zlib at level 9 (as `zip -9` does). */
export function manyLargeFilesZip(count = 25, chars = 4 * 1024 * 1024) {
  const entries = [];
  for (let i = 1; i <= count; i++) {
    const data = Buffer.from(repetitiveManual(`Manual ${i}`, chars));
    entries.push({ name: `manuals/manual-${i}.md`, deflated: deflateRawSync(data, { level: 9 }), declaredSize: data.length });
  }
  return zipOf(entries);
}

/** `bytes` bytes of `a` as a raw deflate stream (about 1:1000), made without holding them. */
async function deflatedRun(bytes) {
  const deflate = createDeflateRaw({ level: 9 });
  const parts = [];
  deflate.on('data', (part) => parts.push(part));
  const block = Buffer.alloc(1024 * 1024, 'a');
  for (let written = 0; written < bytes; written += block.length) {
    if (!deflate.write(block.subarray(0, Math.min(block.length, bytes - written)))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(parts);
}

/**
 * A zip of deflated files whose local and central headers declare `declaredSize` bytes each,
 * whatever `deflated` really inflates to (the CRC is left 0: readers that stream do not check it).
 */
function zipOf(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, deflated, declaredSize } of entries) {
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 name
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(declaredSize, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(declaredSize, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, deflated);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + deflated.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** About 1 MB of zip whose headers declare a 100-byte file that inflates to 1 GiB. */
export async function lyingBomb() {
  return zipOf([{ name: 'docs/readme.md', deflated: await deflatedRun(1024 * 1024 * 1024), declaredSize: 100 }]);
}
