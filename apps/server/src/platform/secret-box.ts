/**
 * Credentials kept at rest (an e-mail inbox's SMTP and IMAP passwords): sealed with AES-256-GCM
 * under a key derived from the credentials key (HUMMDESK_ENCRYPTION_KEY, or the one generated in
 * the data directory: platform/kept-secrets.ts).
 * A sealed value reads `v1.<iv>.<ciphertext>.<tag>` (base64url); a tampered or foreign one does
 * not open (an error, never garbage).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plain: string): string;
  /** The plain text of a sealed value; throws when it was sealed under another key or altered. */
  open(sealed: string): string;
}

const VERSION = 'v1';
/** GCM's full tag: a shorter one given to the decipher would be accepted, and easier to forge. */
const TAG_LENGTH = 16;

export function createSecretBox(secret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', secret, 'hummdesk', 'credentials at rest', 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_LENGTH });
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
