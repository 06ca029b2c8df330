import { sql, type SQL } from 'drizzle-orm';
import { searchConfigs } from '../../db/schema.js';
import { searchText } from '../../platform/search.js';

/** A piece of a snippet: plain text, highlighted when it is a word the search matched. */
export interface SnippetPart {
  text: string;
  highlight: boolean;
}

// ts_headline marks matches with these; they are taken out of the text first, so every one
// in the headline is a mark, and clients get text to render as text, never HTML.
const START = '\u0002';
const STOP = '\u0003';
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=24, MinWords=10, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * The headline of a message for a search, made in the language whose stems matched it (the
 * first of the six that does, else word for word), so inflected forms are highlighted too.
 * Meant for the few rows of a page: it parses the text once per language tried.
 */
export function headlineSql(content: SQL, text: string): SQL {
  const value = searchText(text);
  const document = sql`translate(left(${content}, 20000), chr(2) || chr(3), '')`;
  const headline = (config: string) => {
    const query = sql`websearch_to_tsquery(${sql.raw(`'${config}'`)}::regconfig, ${value})`;
    return { query, headline: sql`ts_headline(${sql.raw(`'${config}'`)}::regconfig, ${document}, ${query}, ${HEADLINE_OPTIONS})` };
  };
  const cases = searchConfigs.map((config) => {
    const { query, headline: made } = headline(config);
    return sql`when to_tsvector(${sql.raw(`'${config}'`)}::regconfig, ${document}) @@ ${query} then ${made}`;
  });
  return sql`case ${sql.join(cases, sql` `)} else ${headline('simple').headline} end`;
}

/** A headline cut at its marks. */
export function snippetParts(headline: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let highlight = false;
  // eslint-disable-next-line no-control-regex -- the marks are control characters on purpose
  for (const piece of headline.split(/([\u0002\u0003])/)) {
    if (piece === START) highlight = true;
    else if (piece === STOP) highlight = false;
    else if (piece) parts.push({ text: piece, highlight });
  }
  return parts;
}
