/**
 * An e-mail's HTML as the frame that shows it. The server has sanitised it already; the frame is
 * the second wall, for whatever a sanitiser misses: a sandbox without scripts, forms or top
 * navigation, and a Content-Security-Policy that loads nothing from elsewhere (no trackers, no
 * remote fonts or styles: pictures only inline or from this server). DOMPurify on top drops what
 * the policy cannot stop, such as a `<meta http-equiv="refresh">` navigating the frame away.
 */
import DOMPurify from 'dompurify';

/**
 * No `allow-scripts`: nothing in the frame runs, so `allow-same-origin` only lets the app measure
 * the frame's height. Links open in a new tab, outside the sandbox.
 */
export const EMAIL_FRAME_SANDBOX = 'allow-same-origin allow-popups allow-popups-to-escape-sandbox';

/** Tall mails scroll inside their frame, so one newsletter does not push the thread off the screen. */
export const EMAIL_FRAME_MAX_HEIGHT = 640;

const FRAME_STYLE =
  'body{margin:0;padding:.5rem .75rem;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;overflow-wrap:anywhere}' +
  'img{max-width:100%;height:auto}table{max-width:100%}blockquote{margin:0 0 0 .5rem;padding-left:.75rem;border-left:3px solid #d1d5db;color:#4b5563}';

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * The mail's inline pictures: the server kept each as an attachment and marked its place as
 * `<img data-attachment="N">` (N: its position among the message's attachments); they show from
 * their signed links, on this server.
 */
function withInlineImages(body: string, attachmentUrls: readonly string[]): string {
  if (!body.includes('data-attachment')) return body;
  // A template keeps the mail's leading <style> where it is (a parsed document would move it to a head).
  const template = document.createElement('template');
  template.innerHTML = body;
  for (const image of template.content.querySelectorAll('img[data-attachment]')) {
    const url = attachmentUrls[Number(image.getAttribute('data-attachment'))];
    if (url) image.setAttribute('src', url);
  }
  return template.innerHTML;
}

/** The `srcdoc` of the frame: the policy first, before anything of the mail's. */
export function emailFrameDocument(html: string, attachmentUrls: readonly string[] = [], origin = location.origin): string {
  // FORCE_BODY keeps a mail's leading <style> (its head's) instead of dropping it with the head.
  const sanitised = DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['form', 'base', 'meta', 'link'], FORCE_BODY: true });
  const body = withInlineImages(sanitised, attachmentUrls);
  const policy = `default-src 'none'; img-src data: ${origin}; style-src 'unsafe-inline'`;
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(policy)}">`,
    '<meta name="referrer" content="no-referrer"><base target="_blank">',
    `<style>${FRAME_STYLE}</style></head><body>${body}</body></html>`,
  ].join('');
}
