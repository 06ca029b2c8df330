/**
 * Full-text search over an account's messages (customer messages, replies and private notes;
 * not activity lines). What keeps a search fast at a million messages per account is never
 * reading, or ranking, all of a common word's matches:
 *
 * - `relevance`: the newest RELEVANCE_WINDOW matches, ranked with ts_rank (Chatwoot orders by
 *   date alone). Ranking every match would read tens of thousands of rows for a common word.
 * - `recent`: every match, newest first (keyset pages), each with its rank.
 *
 * Both take the newest matches bucket by bucket of message ids (newestMatches).
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type AppDb } from '../../db/client.js';
import { SEARCH_BUCKET_SIZE } from '../../db/schema.js';
import { decodeCursor, encodeCursor } from '../../platform/pagination.js';
import { hasSearchWord, messageSearchQuery } from '../../platform/search.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import { headlineSql, snippetParts, type SnippetPart } from './snippet.js';

/** How many of the newest matches `relevance` ranks. */
export const RELEVANCE_WINDOW = 200;

export type SearchOrder = 'relevance' | 'recent';

export interface MessageSearchQuery {
  q: string;
  sort: SearchOrder;
  limit: number;
  cursor?: string | undefined;
}

export interface MessageHit {
  messageId: number;
  conversationId: number;
  displayId: number;
  contactName: string;
  messageType: 'incoming' | 'outgoing';
  private: boolean;
  createdAt: Date;
  rank: number;
  snippet: SnippetPart[];
}

interface HitRow {
  message_id: string | number;
  conversation_id: number;
  display_id: number;
  contact_name: string;
  message_type: 'incoming' | 'outgoing';
  private: boolean;
  created_at: Date | string;
  rank: number | string;
  headline: string;
}

export function createMessageSearch({ db }: { db: AppDb }) {
  return {
    async search(ctx: TenantContext, query: MessageSearchQuery): Promise<{ data: MessageHit[]; nextCursor: string | null }> {
      const after = decodeSearchCursor(query.cursor, query.sort);
      if (!hasSearchWord(query.q)) return { data: [], nextCursor: null };
      // No JIT for this short query, which the planner prices high: the pool's connections have none (db/client.ts).
      const rows = await withTenant(db, ctx, (tx) => queryRows<HitRow>(tx, messageSearchSql(ctx.accountId, query, after)));
      const data = rows.slice(0, query.limit).map(toHit);
      const more = rows.length > query.limit;
      const offset = (after ?? 0) + data.length;
      const nextCursor = !more ? null : query.sort === 'recent' ? encodeCursor(['recent', data.at(-1)!.messageId]) : encodeCursor(['relevance', offset]);
      return { data, nextCursor };
    },
  };
}

export type MessageSearch = ReturnType<typeof createMessageSearch>;

/** The search's one query (bench/search.js explains it): a page of hits with their headlines. */
export function messageSearchSql(accountId: number, query: MessageSearchQuery, after: number | undefined): SQL {
  const tsquery = messageSearchQuery(query.q);
  const limit = query.sort === 'recent' ? query.limit + 1 : RELEVANCE_WINDOW;
  const newest = newestMatches(accountId, tsquery, limit, query.sort === 'recent' && after !== undefined ? after : null);
  const page =
    query.sort === 'recent'
      ? sql`select n.*, ts_rank(n.search_vector, ${tsquery}) as rank from (${newest}) n`
      : sql`select n.*, ts_rank(n.search_vector, ${tsquery}) as rank from (${newest}) n
          order by rank desc, n.id desc offset ${after ?? 0} limit ${query.limit + 1}`;
  return sql`select p.id as message_id, p.conversation_id, c.display_id, ct.name as contact_name, p.message_type,
      p.private, p.created_at, p.rank, ${headlineSql(sql`p.content`, query.q)} as headline
    from (${page}) p
    join conversations c on c.account_id = ${accountId} and c.id = p.conversation_id
    join contacts ct on ct.account_id = ${accountId} and ct.id = c.contact_id
    order by ${query.sort === 'recent' ? sql`p.id desc` : sql`p.rank desc, p.id desc`}`;
}

/** How many of the newest id buckets are read one by one before the rest is read at once. */
const NEWEST_BUCKETS = 8;

/**
 * The account's newest `limit` matches (below message id `below`). First one bucket of ids at
 * a time, newest first, from the GIN index: a common word finds enough in the first bucket and
 * reads only that bucket's matches, not the tens of thousands the account holds. A word with
 * fewer matches than that in the newest NEWEST_BUCKETS is rare enough to be read at once from
 * the index over all the older messages. UNION ALL runs its second part only when the first
 * gave fewer than `limit` rows, and every id in it is below those of the first. Its order is
 * `id + 0`: ordered by the plain id, the planner may walk the account's million ids newest first
 * hoping to meet 200 matches soon, when there may be one.
 */
function newestMatches(accountId: number, tsquery: SQL, limit: number, below: number | null) {
  const matching = sql`m.account_id = ${accountId} and m.message_type <> 'activity' and m.search_vector @@ ${tsquery}`;
  const top = below === null ? sql`(select max(id) + 1 from messages where account_id = ${accountId})` : sql`${below}::bigint`;
  const columns = sql`m.id, m.conversation_id, m.created_at, m.message_type, m.private, m.content, m.search_vector`;
  return sql`select newest.* from (
      select found.* from (select ${top} as top, ((${top} - 1) / ${SEARCH_BUCKET_SIZE})::integer as first) span
        cross join lateral generate_series(span.first, span.first - ${NEWEST_BUCKETS - 1}, -1) bucket
        cross join lateral (
          select ${columns} from messages m
          where ${matching} and m.search_bucket = bucket and m.id < span.top
            and m.id >= bucket * ${SEARCH_BUCKET_SIZE}::bigint
          order by m.id desc limit ${limit}
        ) found
      union all
      select found.* from (select (((${top} - 1) / ${SEARCH_BUCKET_SIZE}) - ${NEWEST_BUCKETS - 1}) * ${SEARCH_BUCKET_SIZE}::bigint as older) span
        cross join lateral (
          select ${columns} from messages m where ${matching} and m.id < span.older order by m.id + 0 desc limit ${limit}
        ) found
    ) newest limit ${limit}`;
}

function toHit(row: HitRow): MessageHit {
  return {
    messageId: Number(row.message_id),
    conversationId: row.conversation_id,
    displayId: row.display_id,
    contactName: row.contact_name,
    messageType: row.message_type,
    private: row.private,
    createdAt: new Date(row.created_at),
    rank: Number(row.rank),
    snippet: snippetParts(row.headline),
  };
}

/** `recent` pages go on below a message id, `relevance` pages from an offset in the window. */
function decodeSearchCursor(cursor: string | undefined, sort: SearchOrder): number | undefined {
  return decodeCursor(
    cursor,
    (key) => (key.length === 2 && key[0] === sort && Number.isSafeInteger(key[1]) && (key[1] as number) >= 0 ? (key[1] as number) : undefined),
    'The cursor is not one this API returned for this order',
  );
}
