import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiskStorage } from './disk-storage.js';
import type { FileStorage } from './storage.js';

describe('disk storage', () => {
  let root: string;
  let storage: FileStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hummdesk-storage-'));
    storage = createDiskStorage(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const everything = async () => (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

  it('writes bytes or a stream under a key and reads them back', async () => {
    await storage.put('1/2/abc', Buffer.from('bytes'));
    await storage.put('1/2/def_-', Readable.from([Buffer.from('str'), Buffer.from('eam')]));
    expect(await text((await storage.get('1/2/abc'))!)).toBe('bytes');
    expect(await readFile(join(root, '1', '2', 'def_-'), 'utf8')).toBe('stream');
    expect(await storage.get('1/2/missing')).toBeUndefined();
  });

  it('leaves nothing behind when the body fails midway', async () => {
    async function* failing() {
      yield Buffer.from('half a file');
      throw new Error('client went away');
    }
    await expect(storage.put('1/2/broken', Readable.from(failing()))).rejects.toThrow('client went away');
    expect(await storage.get('1/2/broken')).toBeUndefined();
    expect(await everything()).toEqual([]);
  });

  it('refuses keys that are not the app’s own (no traversal, no dots, no empty segments)', async () => {
    for (const key of ['../escape', '1/../../escape', '/abs', '1//2', '1/2/', 'a.b', '', '1/2/x\0y', '1\\2']) {
      await expect(storage.put(key, Buffer.from('x')), key).rejects.toThrow(/invalid storage key/);
      await expect(storage.get(key), key).rejects.toThrow(/invalid storage key/);
    }
    await expect(storage.removePrefix('1')).rejects.toThrow(/ends with/);
    await expect(storage.removePrefix('../')).rejects.toThrow(/invalid storage key/);
  });

  it('removes a key, and every key under a prefix but no other', async () => {
    await storage.put('1/2/a', Buffer.from('a'));
    await storage.put('1/2/b', Buffer.from('b'));
    await storage.put('1/3/c', Buffer.from('c'));
    await storage.put('12/2/d', Buffer.from('d'));
    await storage.remove('1/2/a');
    await storage.remove('1/2/a');
    expect((await everything()).sort()).toEqual(['b', 'c', 'd']);
    await storage.removePrefix('1/2/');
    expect((await everything()).sort()).toEqual(['c', 'd']);
    await storage.removePrefix('1/');
    await storage.removePrefix('7/');
    expect(await everything()).toEqual(['d']);
  });
});
