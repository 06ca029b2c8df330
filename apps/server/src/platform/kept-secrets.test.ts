import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCredentialsKey, resolveJwtSecret } from './kept-secrets.js';

describe('secrets kept in the data directory', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const newDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hummdesk-secrets-'));
    dirs.push(dir);
    return dir;
  };

  it('generates each once, readable by the owner only, the same for processes starting together', async () => {
    const dir = await newDir();
    const [first, second] = await Promise.all([resolveCredentialsKey(undefined, dir), resolveCredentialsKey(undefined, dir)]);
    expect(first).toHaveLength(64);
    expect(second).toBe(first);
    expect(await readFile(join(dir, 'credentials-key'), 'utf8')).toBe(first);
    expect((await stat(join(dir, 'credentials-key'))).mode & 0o777).toBe(0o600);
    // The credentials key is not the JWT secret: rotating one leaves the other.
    expect(await resolveJwtSecret(undefined, dir)).not.toBe(first);
  });

  it('takes the configured one and writes nothing', async () => {
    const dir = await newDir();
    expect(await resolveCredentialsKey('configured-key-configured-key-configured-key', dir)).toBe('configured-key-configured-key-configured-key');
    await expect(stat(join(dir, 'credentials-key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
