import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A secret from the environment when configured; otherwise one generated on first start and kept
 * in the data directory, so it survives restarts and processes sharing the directory agree on it.
 */
async function keptSecret(configured: string | undefined, dataDir: string, fileName: string): Promise<string> {
  if (configured) return configured;
  const file = join(dataDir, fileName);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx' fails when the file exists, so two processes starting together keep one secret.
    await writeFile(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(file, 'utf8')).trim();
}

/** JWT_SECRET, or `<data dir>/jwt-secret`: signs sessions, contact tokens and attachment links. */
export const resolveJwtSecret = (configured: string | undefined, dataDir: string) => keptSecret(configured, dataDir, 'jwt-secret');

/**
 * HUMMDESK_ENCRYPTION_KEY, or `<data dir>/credentials-key`: seals stored credentials (e-mail
 * passwords) and signs e-mail reply addresses. Apart from the JWT secret, so rotating that one
 * (after a leaked session) keeps the mail passwords readable and the reply addresses valid.
 */
export const resolveCredentialsKey = (configured: string | undefined, dataDir: string) => keptSecret(configured, dataDir, 'credentials-key');
