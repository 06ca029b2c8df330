/**
 * Where file bytes live (message attachments), behind the few operations the app needs, so an
 * object store can replace the disk later. Keys are chosen by the app, never from a name a user
 * gave: `<segment>/<segment>/...` of letters, digits, `-` and `_` (no dots, so no `..`, and no
 * empty segment). A prefix is a folder of keys: `12/` or `12/345/`.
 */
import type { Readable } from 'node:stream';

export interface FileStorage {
  /** Writes the whole body under `key`; a body that fails (or is too large) leaves nothing behind. */
  put(key: string, body: Readable | Uint8Array): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes `key`; a key that is not there is not an error. */
  remove(key: string): Promise<void>;
  /** Removes every key under the folder `prefix` (ending with `/`). */
  removePrefix(prefix: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

/** The key's segments; anything that is not a key the app makes is refused. */
export function keySegments(key: string): string[] {
  if (key.length > 512 || !KEY.test(key)) throw new Error(`invalid storage key: ${JSON.stringify(key.slice(0, 100))}`);
  return key.split('/');
}

/** The prefix's segments (without the trailing `/`). */
export function prefixSegments(prefix: string): string[] {
  if (!prefix.endsWith('/')) throw new Error(`a storage prefix ends with "/": ${JSON.stringify(prefix.slice(0, 100))}`);
  return keySegments(prefix.slice(0, -1));
}
