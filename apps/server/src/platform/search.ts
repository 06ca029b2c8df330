import { sql, type SQL } from 'drizzle-orm';
import { searchConfigs } from '../db/schema.js';

/** A user's search text as an ILIKE pattern: their % and _ match themselves, not anything. */
export function containsPattern(text: string): string {
  return `%${text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Search text as Postgres takes it: control characters (a NUL is not valid in a text value)
 * become spaces. websearch_to_tsquery reads whatever is left without ever failing.
 */
export function searchText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}

/**
 * Whether the text has a word to look up: `-word` only excludes, and a query of exclusions
 * alone would read the whole index instead of the entries of its words.
 */
export function hasSearchWord(text: string): boolean {
  return searchText(text)
    .split(/\s+/)
    .some((word) => !word.startsWith('-') && word.toLowerCase() !== 'or' && /[\p{L}\p{N}]/u.test(word));
}

/**
 * The query `messages.search_vector` is matched with: the web-search syntax (quoted phrases,
 * `or`, `-word`) read in each language the vector was stemmed in, any of them matching. A
 * message holds its words stemmed in all six, so a word inflected in any of them finds it.
 */
export function messageSearchQuery(text: string): SQL {
  const value = searchText(text);
  const queries = searchConfigs.map((config) => sql`websearch_to_tsquery(${sql.raw(`'${config}'`)}::regconfig, ${value})`);
  return sql`(${sql.join(queries, sql` || `)})`;
}
