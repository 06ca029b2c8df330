/**
 * What an agent's reply looks like as an e-mail: its Markdown as a plain-text and an HTML part,
 * and the header values built from what agents and customers typed (a name, a subject), kept to
 * one header line each.
 */
import { Marked, type Tokens } from 'marked';
import { headerText } from './mail-headers.js';

/** Links and images an e-mail may carry: the web and mail addresses, nothing a client would run. */
const SAFE_URL = /^(?:https?:|mailto:)/i;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);

const markdown = new Marked({
  gfm: true,
  // An agent pressing Enter means a new line, as it does in the text part.
  breaks: true,
  renderer: {
    // HTML typed into a reply is shown as the text it is, never passed on as markup.
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    // Returning false renders the link as marked does; any other scheme (javascript:, data:) keeps only its words.
    link(token: Tokens.Link) {
      return SAFE_URL.test(token.href) ? false : this.parser.parseInline(token.tokens);
    },
    image(token: Tokens.Image) {
      return SAFE_URL.test(token.href) ? false : escapeHtml(token.text);
    },
  },
});

/**
 * The reply's two parts. The text part is the Markdown as the agent wrote it: Markdown is how
 * plain-text mail has always marked emphasis, lists and links, so it reads as intended there.
 */
export function composeReply(source: string): { text: string; html: string } {
  const text = source.replace(/\r\n?/g, '\n');
  const body = markdown.parse(text, { async: false });
  return { text, html: `<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n${body}</body></html>\n` };
}

/**
 * A sender's display name: one line, without quotes, backslashes or angle brackets, so it can
 * neither end its quoting nor read as an address of its own (`"Support <ceo@example.com>"`).
 */
export const displayName = (value: string) => headerText(value.replace(/["\\<>]/g, ' '));
