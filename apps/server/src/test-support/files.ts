import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under a directory (none when it does not exist), `.partial` ones included: what a refused or cut-off upload left behind. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
