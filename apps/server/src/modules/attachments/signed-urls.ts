/**
 * Short-lived signed URLs of attachments: the signature is the capability, so `<img src>`
 * works for an agent and for the owning contact (in the widget, on another origin) alike,
 * without a token in the request. It covers the account, the attachment and the expiry, with
 * a key derived from the app's secret (so it is useless for signing anything else). URLs are
 * the same for a whole hour and last one to two hours: a browser caches an image once per
 * hour, not once per page load.
 */
import { createHmac } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import { deriveKey, macEquals } from '../../platform/hmac.js';

const WINDOW_SECONDS = 3600;

export interface SignedParams {
  account: number;
  expires: number;
  signature: string;
}

export type AttachmentUrls = ReturnType<typeof createAttachmentUrls>;

export function createAttachmentUrls(appSecret: string) {
  const key = deriveKey(appSecret, 'attachment-urls');
  const sign = (accountId: number, id: number, expires: number) => createHmac('sha256', key).update(`${accountId}.${id}.${expires}`).digest('base64url');

  /** The URL of attachment `id` of the account, valid until `expires` (seconds since the epoch). */
  const urlUntil = (accountId: number, id: number, expires: number) =>
    `/api/attachments/${id}?account=${accountId}&expires=${expires}&signature=${sign(accountId, id, expires)}`;

  return {
    urlUntil,

    /** The URL valid until the end of the next full hour. */
    url: (accountId: number, id: number) => urlUntil(accountId, id, (Math.floor(Date.now() / 1000 / WINDOW_SECONDS) + 2) * WINDOW_SECONDS),

    /** Throws unless the URL was signed by us for this attachment and has not expired; answers the seconds it has left. */
    verify(id: number, params: SignedParams): number {
      if (!macEquals(params.signature, sign(params.account, id, params.expires))) {
        throw new AppError(403, 'invalid_signature', 'This attachment link is not valid');
      }
      const left = params.expires - Math.floor(Date.now() / 1000);
      if (left <= 0) throw new AppError(410, 'link_expired', 'This attachment link has expired; reload the conversation for a new one');
      return left;
    },
  };
}
