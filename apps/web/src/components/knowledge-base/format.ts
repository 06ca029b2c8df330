/** Small helpers shared by the knowledge-base page and its parts. */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

type Severity = 'success' | 'info' | 'warn' | 'danger' | 'secondary' | 'contrast';
export type ArticleStatus = 'draft' | 'published';

/** Our own Marked instance, so the app's other uses of `marked` keep their settings. */
const markdown = new Marked({ gfm: true, breaks: false });

/**
 * An article's Markdown as HTML that is safe to put in `v-html`: articles are stored as written,
 * scripts and event handlers included, so everything goes through DOMPurify.
 */
export function renderMarkdown(source: string): string {
  const html = markdown.parse(source, { async: false });
  // No <style> or style="": an article must not restyle (or overlay) the app around it.
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form'], FORBID_ATTR: ['style'] });
}

export const statusLabel = (status: string) => (status === 'published' ? 'Published' : status === 'draft' ? 'Draft' : status);
export const statusSeverity = (status: string): Severity => (status === 'published' ? 'success' : 'secondary');

export function embeddingLabel(status: string) {
  if (status === 'ready') return 'Ready for AI';
  if (status === 'pending') return 'Embedding pending';
  if (status === 'failed') return 'Embedding failed';
  return status;
}
export const embeddingSeverity = (status: string): Severity => (status === 'ready' ? 'info' : status === 'failed' ? 'danger' : 'warn');
export function embeddingHint(status: string, articleStatus?: string, error?: string | null) {
  if (status === 'failed') return `The AI cannot find this article: ${error ?? 'embedding failed'}. Saving it again retries.`;
  if (status === 'pending') return 'Being embedded: the AI will find it in a moment.';
  if (articleStatus === 'draft') return 'Embedded, but drafts are not searched: publish it for the AI to use it.';
  return 'Embedded: the AI can retrieve it for reply drafts.';
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "5 minutes ago", "yesterday"; a date for anything older than a week. */
export function timeAgo(iso: string, now = Date.now()): string {
  const date = new Date(iso);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86_400) return relative.format(Math.round(seconds / 86_400), 'day');
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(date);
}
export const fullDate = (iso: string) => absolute.format(new Date(iso));

export const percent = (similarity: number) => `${Math.round(Math.max(0, Math.min(1, similarity)) * 100)}%`;

/** Categories are letters, numbers, spaces, `-` and `_`, up to 50 characters (the server's rule). */
export const CATEGORY_PATTERN = /^[\p{L}\p{N}_ -]*$/u;
