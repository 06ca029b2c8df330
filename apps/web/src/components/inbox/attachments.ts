/** Files of messages: what the server takes (asked once), sizes as people read them, which files show as pictures. */
import { api, unwrap } from '../../api/client';

export interface AttachmentLimits {
  maxBytes: number;
  maxFiles: number;
}

let limits: Promise<AttachmentLimits> | undefined;

/** The server's limits (ATTACHMENT_MAX_BYTES and files per message), fetched once; a failed fetch is tried again next time. */
export function attachmentLimits(): Promise<AttachmentLimits> {
  limits ??= unwrap(api.GET('/api/attachments/limits')).catch((error: unknown) => {
    limits = undefined;
    throw error;
  });
  return limits;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** What the server serves inline: raster images are shown, everything else is a download. */
const PICTURES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const isPicture = (contentType: string) => PICTURES.has(contentType);

/** Why these files cannot be sent, or null when they can. */
export function filesProblem(files: File[], { maxBytes, maxFiles }: AttachmentLimits): string | null {
  if (files.length > maxFiles) return `At most ${maxFiles} files per message`;
  const tooLarge = files.filter((file) => file.size > maxBytes);
  if (tooLarge.length > 0) return `${tooLarge.map((file) => file.name).join(', ')}: larger than the limit of ${formatSize(maxBytes)}`;
  if (files.some((file) => file.size === 0)) return 'An empty file cannot be sent';
  return null;
}
