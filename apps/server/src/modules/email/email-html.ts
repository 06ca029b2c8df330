/**
 * The HTML of a received e-mail, made safe to show (sanitize-html, an allow-list): text,
 * formatting, tables, links and inline styles stay; scripts, styles sheets, frames, forms,
 * event handlers, `javascript:` links and everything that loads from elsewhere go. A remote
 * image is a tracker as often as a picture: it is removed, never fetched, so opening a
 * conversation tells the sender nothing. Inline images (`cid:`) the mail carries become
 * `<img data-attachment="N">`, N the image's place among the message's attachments: the
 * agent app points it at that attachment's (signed, expiring) link when it shows the message.
 *
 * The agent app shows the result in a sandboxed frame without scripts (web app); this is the
 * first of the two walls.
 */
import sanitizeHtml from 'sanitize-html';

/** Most characters of sanitised HTML kept: a message larger than this is shown by its text alone. */
export const EMAIL_HTML_MAX_CHARS = 2_000_000;

/** A CSS value that cannot load anything or run anything (no url(), image-set(), expression(), escapes). */
const INERT_CSS_VALUE = /^(?![\s\S]*(?:url\s*\(|image-set|image\s*\(|cross-fade|element\s*\(|src\s*\(|expression|javascript:|behavio|binding|@import|\\))/i;

/** Inline style properties a message's look needs; not `position` (a mail drawing over the page), not `content`, `cursor`, masks. */
const STYLE_PROPERTIES = [
  'color',
  'background',
  'background-color',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-weight',
  'font-variant',
  'line-height',
  'letter-spacing',
  'word-spacing',
  'text-align',
  'text-decoration',
  'text-indent',
  'text-transform',
  'vertical-align',
  'white-space',
  'word-break',
  'word-wrap',
  'overflow-wrap',
  'direction',
  'display',
  'float',
  'clear',
  'width',
  'min-width',
  'max-width',
  'height',
  'min-height',
  'max-height',
  'margin',
  'margin-top',
  'margin-right',
  'margin-bottom',
  'margin-left',
  'padding',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
  'border',
  'border-top',
  'border-right',
  'border-bottom',
  'border-left',
  'border-color',
  'border-style',
  'border-width',
  'border-radius',
  'border-collapse',
  'border-spacing',
  'table-layout',
  'list-style-type',
];

const TABLE_CELL = ['colspan', 'rowspan', 'nowrap', 'width', 'height', 'bgcolor', 'align', 'valign'];

/** A link that leaves for somewhere (the schemes kept): opened apart from the app, telling nothing of where from. */
const LINK = /^\s*(?:https?|mailto|tel):/i;

/** Images embedded in the HTML itself: raster types a browser shows without running anything. */
const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i;

/**
 * Sanitises a message's HTML. `inlineImage` answers the attachment place of a content id (the
 * `cid:` of an inline image), or undefined when the message keeps no such file.
 */
export function sanitizeEmailHtml(html: string, inlineImage: (contentId: string) => number | undefined): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center', 'del', 'ins', 'strike', 'big'],
    allowedAttributes: {
      '*': ['style', 'align', 'valign', 'dir', 'lang', 'title'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'width', 'height', 'data-attachment'],
      font: ['face', 'size', 'color'],
      table: ['width', 'height', 'border', 'cellpadding', 'cellspacing', 'bgcolor'],
      td: TABLE_CELL,
      th: TABLE_CELL,
      tr: ['bgcolor', 'height'],
      col: ['span', 'width'],
      colgroup: ['span', 'width'],
      ol: ['start', 'type'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    allowedStyles: { '*': Object.fromEntries(STYLE_PROPERTIES.map((property) => [property, [INERT_CSS_VALUE]])) },
    // Their text is not the message's: a style sheet, a script, the document's title.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'svg', 'math', 'object', 'iframe'],
    transformTags: {
      img: (tagName, attribs) => ({ tagName, attribs: image(attribs, inlineImage) }),
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...pick(attribs, ['href', 'name']), ...(LINK.test(attribs.href ?? '') ? { target: '_blank', rel: 'noopener noreferrer nofollow' } : {}) },
      }),
    },
    // An image left without anything to show (remote, or an inline one the message does not keep) goes.
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src && frame.attribs['data-attachment'] === undefined,
  });
}

function image(attribs: Record<string, string>, inlineImage: (contentId: string) => number | undefined): Record<string, string> {
  const kept = pick(attribs, ['alt', 'width', 'height']);
  const src = (attribs.src ?? '').trim();
  if (/^cid:/i.test(src)) {
    const place = inlineImage(decodeURIComponentSafe(src.slice(4)).replace(/^<|>$/g, ''));
    return place === undefined ? kept : { ...kept, 'data-attachment': String(place) };
  }
  return DATA_IMAGE.test(src) ? { ...kept, src } : kept;
}

function pick(attribs: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => attribs[name] !== undefined).map((name) => [name, attribs[name]!]));
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
