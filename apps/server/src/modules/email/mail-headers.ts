/**
 * Header values of raw mail, read and written in one way wherever mail is: a value kept to one
 * line (what agents and customers typed cannot start a header of its own), Message-IDs, and the
 * fields of a header block read by hand where mailparser is not at hand (the first bytes of a mail
 * still arriving, a mail it could not read, the headers a bounce gives back).
 */

/** A Message-ID as mail carries it: angle brackets around at most 900 characters, no spaces. */
const MESSAGE_ID = '<[^<>\\s]{1,900}>';
const ONE_MESSAGE_ID = new RegExp(`^${MESSAGE_ID}$`);
const MESSAGE_IDS = new RegExp(MESSAGE_ID, 'g');

/**
 * A header's value on one line: line breaks and other control characters (which would start a
 * header of their own, e.g. `\r\nBcc: ...`, or corrupt one) become a space.
 */
export const headerText = (value: string | null | undefined) =>
  (value ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();

/** Whether the text is one Message-ID with its brackets (`<id@host>`) and nothing else. */
export const isMessageId = (text: string) => ONE_MESSAGE_ID.test(text);

/** The Message-IDs (`<...>`) in a header value, in order; a bare id is given its brackets. */
export function messageIds(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  const bracketed = text.match(MESSAGE_IDS);
  if (bracketed) return bracketed;
  const bare = `<${text.trim()}>`;
  return isMessageId(bare) ? [bare] : [];
}

/** A raw message's header block and its body: the text before and after its first empty line (none: undefined). */
export function splitMessage(text: string): { head: string; body: string } | undefined {
  const blank = /\r?\n\r?\n/.exec(text);
  return blank ? { head: text.slice(0, blank.index), body: text.slice(blank.index + blank[0].length) } : undefined;
}

/** The values of the fields `name` among header lines (case-insensitive), in order, each unfolded onto one line. */
export function headerFields(lines: string, name: string): string[] {
  const field = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'gim');
  return [...lines.matchAll(field)].map((match) => match[1]!.replace(/\r?\n[ \t]+/g, ' ').trim());
}
