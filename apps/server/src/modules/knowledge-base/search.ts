/**
 * Hybrid retrieval over the account's published articles: the chunks nearest the question by
 * cosine distance (pgvector `<=>`), and the chunks that contain its words (Postgres full-text
 * search, which finds order numbers, product names and error codes that an embedding blurs),
 * fused by reciprocal rank, then raised by how much of the question each article's title and
 * headings say. A question in another language is searched by the English words of what it
 * names (platform/ai/multilingual), an English one also by the words articles use for what it
 * says in other words. Always inside the caller's tenant transaction and filtered on its
 * account, so another account's chunks are neither returned nor ranked against.
 *
 * Tenant filtering at scale (figures in the README, from bench/vector.js): an account with few
 * vectors is searched exactly through the `account_id` B-tree, which is exact and fast at that
 * size, where an HNSW index shared with a huge account would find few of its rows; a large
 * account goes through the model's HNSW index with pgvector 0.8's iterative scan, which keeps
 * scanning until enough rows of the account are found.
 */
import { sql } from 'drizzle-orm';
import { Histogram, type Registry } from 'prom-client';
import { queryRows, type AppDb, type Tx } from '../../db/client.js';
import type { EmbeddingModel } from '../../platform/ai/embedding-models.js';
import { toEnglishQuery } from '../../platform/ai/multilingual/english-terms.js';
import { withTenant } from '../../platform/tenancy.js';
import type { EmbeddingIndex } from './embedding-index.js';
import { modelLiteral, typedEmbedding, vectorParam } from './vector-index.js';

/** Candidates each half of the hybrid search contributes before fusion. */
const CANDIDATES = 30;
/** Reciprocal rank fusion's constant (Cormack et al.): damps the weight of the very top ranks. */
const RRF_K = 60;
const COUNT_TTL_MS = 60_000;

export interface Passage {
  chunkId: number;
  articleId: number;
  title: string;
  category: string | null;
  heading: string | null;
  content: string;
  /** Cosine similarity to the question (null: no vector of the active model yet). */
  similarity: number | null;
  /** Whether the passage contains words of the question. */
  textMatch: boolean;
}

export interface ArticleHit {
  articleId: number;
  title: string;
  category: string | null;
  snippet: string;
  /** The best similarity among the article's passages (0 when it has no vector yet). */
  similarity: number;
  score: number;
  /** The article's retrieved passages, best first. */
  passages: Passage[];
}

export interface SearchResult {
  results: ArticleHit[];
  /** `hybrid`, or `full-text` while no vectors can be searched (the model is not available here). */
  mode: 'hybrid' | 'full-text';
  strategy: 'exact' | 'hnsw' | 'none';
  model: string;
}

export function knowledgeSearchMetrics(registry: Registry) {
  return new Histogram({
    name: 'knowledge_base_search_duration_seconds',
    help: 'Knowledge-base searches (embedding the question included), by how vectors were searched',
    labelNames: ['strategy'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
}

function snippetOf(text: string, max = 220): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max * 0.6))}…`;
}

/** The question's words, any of them: plainto_tsquery drops operators and stop words, `|` widens its `&`. */
const anyWordQuery = (text: string) => sql`replace(plainto_tsquery('english', ${text})::text, '&', '|')::tsquery`;
/** Words of a question that count, at most: a pasted essay should not cost a query per word. */
const MAX_TERMS = 32;
/** Share of the account's articles above which a word is too common to rank by. */
const COMMON_SHARE = 0.1;
/** Weight of an article's title and headings saying all of the question, against a first rank in one half (1 / 61). */
const TITLE_WEIGHT = 1 / 60;
/** Stems at least this long match as prefixes. */
const PREFIX_MIN_CHARS = 4;

interface WeightedTerm {
  /** The word as a `tsquery`. */
  query: string;
  /** Its inverse document frequency within the account's articles. */
  idf: number;
  /** In more than a tenth of the account's articles ("send", "order"): says little about which one is meant. */
  common: boolean;
}

/**
 * The question's words with their weight, counted once per search for both the full-text half
 * and the title coverage. A stem of letters also matches its longer forms (Snowball stems
 * "deliver" to deliv but "delivery" to deliveri); a number or code matches only itself, so
 * order 12345 does not find order 123456.
 */
function weightedTerms(tx: Tx, accountId: number, text: string) {
  return queryRows<WeightedTerm>(
    tx,
    sql`with terms as (
          select distinct lexeme, (quote_literal(lexeme) ||
            case when length(lexeme) >= ${PREFIX_MIN_CHARS} and lexeme !~ '[[:digit:][:punct:]]' then ':*' else '' end)::tsquery as query
          from unnest(tsvector_to_array(to_tsvector('english', ${text}))) as lexeme limit ${MAX_TERMS}),
        total as (select count(*)::float8 as n from knowledge_base_articles where account_id = ${accountId}),
        counted as (
          select t.query, (select count(distinct c.article_id) from knowledge_base_chunks c
            where c.account_id = ${accountId} and c.search_vector @@ t.query)::float8 as df
          from terms t)
        select c.query::text as query, ln(1 + total.n / (1 + c.df)) as idf, c.df > greatest(2, ${COMMON_SHARE} * total.n) as common
        from counted c, total`,
  );
}

/** Weighted terms as the rows (query, idf) of a query's `from`. */
function termRows(terms: WeightedTerm[]) {
  return sql`(select query::tsquery as query, idf from unnest(${sql.param(terms.map((term) => term.query))}::text[],
    ${sql.param(terms.map((term) => Number(term.idf)))}::float8[]) as term(query, idf))`;
}

/**
 * The full-text half: passages containing words of the question, ranked by the sum of the
 * inverse document frequency of the words they contain, so a rare term (an order number, an
 * error code, a product name) outweighs common ones (which are left to the vector half, like
 * stop words) and a passage with several of the words outranks one with a single one.
 */
async function wordMatches(tx: Tx, accountId: number, text: string, terms: WeightedTerm[]) {
  const rare = terms.filter((term) => !term.common);
  if (rare.length === 0) return [];
  return queryRows<{ id: string }>(
    tx,
    sql`select c.id from knowledge_base_chunks c
        join knowledge_base_articles a on a.account_id = c.account_id and a.id = c.article_id and a.status = 'published'
        join ${termRows(rare)} w on c.search_vector @@ w.query
        where c.account_id = ${accountId}
        group by c.id
        order by sum(w.idf) desc, ts_rank_cd(c.search_vector, ${anyWordQuery(text)}) desc, c.id
        limit ${CANDIDATES}`,
  );
}

/**
 * How much of the question each article's title and headings say, as the share of the
 * question's weight (inverse document frequency) among the words they contain: an article
 * titled with what is asked about ("Tracking your order") is the likelier answer than one
 * that mentions it in passing, which neither half of the search can tell. Read from the
 * article's `title_vector`, written with its chunks, not gathered from all its passages.
 */
async function titleCoverage(tx: Tx, accountId: number, articleIds: number[], terms: WeightedTerm[]) {
  if (articleIds.length === 0 || terms.length === 0) return new Map<number, number>();
  const rows = await queryRows<{ id: number; share: number | null }>(
    tx,
    sql`select a.id, sum(w.idf) filter (where a.title_vector @@ w.query) / nullif(sum(w.idf), 0) as share
        from knowledge_base_articles a cross join ${termRows(terms)} w
        where a.account_id = ${accountId} and a.id = any(${sql.param(articleIds)}::integer[])
        group by a.id`,
  );
  return new Map(rows.map((row) => [Number(row.id), Number(row.share ?? 0)]));
}

export function createKnowledgeSearch(deps: {
  db: AppDb;
  index: EmbeddingIndex;
  duration: Histogram<'strategy'>;
  /** Up to this many vectors an account is searched exactly; above it, through HNSW (KB_EXACT_SEARCH_MAX_VECTORS). */
  exactMaxVectors: number;
}) {
  const counts = new Map<string, { count: number; at: number }>();

  async function vectorCount(tx: Tx, accountId: number, model: EmbeddingModel) {
    const key = `${accountId}:${model.id}`;
    const cached = counts.get(key);
    if (cached && Date.now() - cached.at < COUNT_TTL_MS) return cached.count;
    const [row] = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from knowledge_base_embeddings where account_id = ${accountId} and model = ${model.id}`,
    );
    counts.set(key, { count: row!.n, at: Date.now() });
    return row!.n;
  }

  async function nearestChunks(tx: Tx, accountId: number, model: EmbeddingModel, vector: number[], strategy: 'exact' | 'hnsw') {
    const distance = sql`${typedEmbedding(model)} <=> ${vectorParam(model, vector)}`;
    const published = sql`exists (select 1 from knowledge_base_chunks c join knowledge_base_articles a
      on a.account_id = c.account_id and a.id = c.article_id
      where c.account_id = e.account_id and c.id = e.chunk_id and a.status = 'published')`;
    if (strategy === 'exact') {
      // Materialised, so the planner cannot turn it into an HNSW scan: every vector of the account is compared.
      return queryRows<{ chunk_id: string; distance: number }>(
        tx,
        sql`with candidates as materialized (
              select e.chunk_id, ${distance} as distance from knowledge_base_embeddings e
              where e.account_id = ${accountId} and e.model = ${modelLiteral(model.id)} and ${published})
            select chunk_id, distance from candidates order by distance limit ${CANDIDATES}`,
      );
    }
    await tx.execute(sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', '100', true)`);
    const rows = await queryRows<{ chunk_id: string; distance: number }>(
      tx,
      sql`select e.chunk_id, ${distance} as distance from knowledge_base_embeddings e
          where e.model = ${modelLiteral(model.id)} and e.account_id = ${accountId} and ${published}
          order by ${distance} limit ${CANDIDATES}`,
    );
    // relaxed_order may return neighbours slightly out of order.
    return rows.sort((a, b) => a.distance - b.distance);
  }

  async function passages(tx: Tx, accountId: number, ids: number[], model: EmbeddingModel | undefined, vector: number[] | undefined, text: string) {
    if (ids.length === 0) return new Map<number, Passage>();
    const similarity = model && vector ? sql`1 - (${typedEmbedding(model)} <=> ${vectorParam(model, vector)})` : sql`null::float8`;
    const rows = await queryRows<{
      id: string;
      article_id: number;
      title: string;
      category: string | null;
      heading: string | null;
      content: string;
      similarity: number | null;
      text_match: boolean;
    }>(
      tx,
      sql`select c.id, c.article_id, a.title, a.category, c.heading, c.content, ${similarity} as similarity,
            c.search_vector @@ ${anyWordQuery(text)} as text_match
          from knowledge_base_chunks c
          join knowledge_base_articles a on a.account_id = c.account_id and a.id = c.article_id
          left join knowledge_base_embeddings e on e.chunk_id = c.id and e.model = ${model ? model.id : ''}
          where c.account_id = ${accountId} and c.id in (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )})`,
    );
    return new Map(
      rows.map((row) => [
        Number(row.id),
        {
          chunkId: Number(row.id),
          articleId: row.article_id,
          title: row.title,
          category: row.category,
          heading: row.heading,
          content: row.content,
          similarity: row.similarity === null ? null : Math.round(Number(row.similarity) * 1000) / 1000,
          textMatch: row.text_match,
        },
      ]),
    );
  }

  return {
    async search(accountId: number, text: string, limit: number): Promise<SearchResult> {
      const started = performance.now();
      const state = await deps.index.state(accountId);
      const model = deps.index.modelOf(state);
      // The articles are English: a question in another language is searched by the English words of what it names.
      const english = toEnglishQuery(text);
      // Its own words still find codes, names and words English shares in the full-text half.
      const words = english.language === 'en' || english.text === text ? english.text : `${text}\n${english.text}`;
      const vector = model ? (await model.embed([english.text]))[0] : undefined;

      const { strategy, byArticle } = await withTenant(deps.db, { accountId }, async (tx) => {
        const strategy: SearchResult['strategy'] =
          !model || !vector ? 'none' : (await vectorCount(tx, accountId, model)) <= deps.exactMaxVectors ? 'exact' : 'hnsw';
        const nearest = strategy === 'none' ? [] : await nearestChunks(tx, accountId, model!, vector!, strategy);
        const terms = await weightedTerms(tx, accountId, words);
        const matching = await wordMatches(tx, accountId, words, terms);
        const vectorRanks = nearest.map((row) => Number(row.chunk_id));
        const textRanks = matching.map((row) => Number(row.id));
        const found = await passages(tx, accountId, [...new Set([...vectorRanks, ...textRanks])], model, vector, words);

        // Fusion per article: each list counts the article at the rank of its best chunk in that list.
        const byArticle = new Map<number, { score: number; passages: Passage[] }>();
        for (const ranking of [vectorRanks, textRanks]) {
          const seen = new Set<number>();
          ranking.forEach((chunkId, rank) => {
            const passage = found.get(chunkId);
            if (!passage) return;
            const hit = byArticle.get(passage.articleId) ?? { score: 0, passages: [] };
            if (!hit.passages.includes(passage)) hit.passages.push(passage);
            if (!seen.has(passage.articleId)) hit.score += 1 / (RRF_K + rank + 1);
            seen.add(passage.articleId);
            byArticle.set(passage.articleId, hit);
          });
        }
        const coverage = await titleCoverage(tx, accountId, [...byArticle.keys()], terms);
        for (const [articleId, hit] of byArticle) hit.score += TITLE_WEIGHT * (coverage.get(articleId) ?? 0);
        return { strategy, byArticle };
      });

      const results = [...byArticle.entries()]
        .map(([articleId, hit]) => {
          const ordered = hit.passages.sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0) || Number(b.textMatch) - Number(a.textMatch));
          const best = ordered[0]!;
          // The snippet shows the searched words when a passage holding them is nearly as close.
          const shown = ordered.find((passage) => passage.textMatch && (passage.similarity ?? 0) >= (best.similarity ?? 0) - 0.1) ?? best;
          return {
            articleId,
            title: best.title,
            category: best.category,
            snippet: snippetOf(shown.content),
            similarity: Math.max(0, best.similarity ?? 0),
            score: Math.round(hit.score * 10_000) / 10_000,
            passages: ordered,
          };
        })
        .sort((a, b) => b.score - a.score || b.similarity - a.similarity)
        .slice(0, limit);
      deps.duration.observe({ strategy }, (performance.now() - started) / 1000);
      return { results, mode: strategy === 'none' ? 'full-text' : 'hybrid', strategy, model: state.activeModel };
    },
  };
}

export type KnowledgeSearch = ReturnType<typeof createKnowledgeSearch>;
