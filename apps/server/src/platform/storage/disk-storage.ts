/**
 * File storage in a directory (default `<HUMMDESK_DATA_DIR>/attachments`): a key is a path
 * under it. A file is written under a temporary name and renamed into place once complete, so
 * a reader never sees half a file and a failed write leaves nothing under its key.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { keySegments, prefixSegments, type FileStorage } from './storage.js';

export function createDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => join(root, ...keySegments(key));

  return {
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Keys have no dots: a temporary file can never be taken for (or overwrite) a key.
      const partial = `${path}.${randomBytes(6).toString('hex')}.partial`;
      // Created before any byte flows: a write stream opening its file itself could create it
      // after a failed upload's clean-up had run, leaving it behind.
      const file = await open(partial, 'wx', 0o600);
      try {
        await pipeline(body instanceof Readable ? body : Readable.from([body]), file.createWriteStream());
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },

    async get(key) {
      try {
        const file = await open(pathOf(key), 'r');
        return file.createReadStream();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },

    async remove(key) {
      await rm(pathOf(key), { force: true });
    },

    async removePrefix(prefix) {
      await rm(join(root, ...prefixSegments(prefix)), { recursive: true, force: true });
    },
  };
}
