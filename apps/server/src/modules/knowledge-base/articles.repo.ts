/**
 * Writing an article: the row, its chunks (replaced whenever title or content change) and the
 * job that embeds them, all in the caller's transaction, so an article never exists without
 * the job that makes it searchable. Shared by the API, bulk imports and the demo seed.
 *
 * A long article's chunks are written after its transaction, a few per transaction
 * (`writeChunks`): on the embedded database every transaction holds the one connection that
 * all accounts share, and thousands of passages (each indexed for full-text search as it is
 * inserted) take seconds. The caller writes them (the API before it answers, an import before
 * it counts the article), and the article's `kb-embed` job does too, so a crash between the
 * two leaves nothing half-written for long.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { knowledgeBaseArticles, knowledgeBaseChunks, users } from '../../db/schema.js';
import { ConflictError } from '../../platform/errors.js';
import { insertJob } from '../../platform/queue/job-store.js';
import { jobKey } from '../../platform/queue/jobs.js';
import { withTenant } from '../../platform/tenancy.js';
import { chunkArticle, chunkArticleInSlices } from './chunking.js';

/** Articles up to this long (about 75 passages) are chunked inside their own transaction. */
const INLINE_CHUNK_CHARS = 50_000;
/** Passages per transaction when a long article's are written: 20-50 ms on PGlite. */
const CHUNK_SLICE = 10;

/** What became of an article's passages in its write: written (how many), to be written after it, or unchanged. */
export type Chunking = number | 'pending' | null;

export interface ArticleInput {
  title: string;
  content: string;
  category?: string | null | undefined;
  status?: 'draft' | 'published' | undefined;
}

export const articleColumns = {
  id: knowledgeBaseArticles.id,
  title: knowledgeBaseArticles.title,
  content: knowledgeBaseArticles.content,
  category: knowledgeBaseArticles.category,
  status: knowledgeBaseArticles.status,
  authorId: knowledgeBaseArticles.authorId,
  authorName: users.name,
  embeddingStatus: knowledgeBaseArticles.embeddingStatus,
  embeddingError: knowledgeBaseArticles.embeddingError,
  chunkCount: sql<number>`(select count(*)::int from knowledge_base_chunks c where c.account_id = ${knowledgeBaseArticles.accountId} and c.article_id = ${knowledgeBaseArticles.id})`,
  createdAt: knowledgeBaseArticles.createdAt,
  updatedAt: knowledgeBaseArticles.updatedAt,
};

export function selectArticles(tx: Tx) {
  return tx.select(articleColumns).from(knowledgeBaseArticles).leftJoin(users, eq(users.id, knowledgeBaseArticles.authorId));
}

/** The id of the account's article with this title (titles are unique regardless of case). */
export async function articleIdByTitle(tx: Tx, accountId: number, title: string, exceptId?: number) {
  const [row] = await tx
    .select({ id: knowledgeBaseArticles.id })
    .from(knowledgeBaseArticles)
    .where(and(eq(knowledgeBaseArticles.accountId, accountId), sql`lower(${knowledgeBaseArticles.title}) = lower(${title})`));
  return row && row.id !== exceptId ? row.id : undefined;
}

export async function assertTitleFree(tx: Tx, accountId: number, title: string, exceptId?: number) {
  if ((await articleIdByTitle(tx, accountId, title, exceptId)) !== undefined) {
    throw new ConflictError('article_exists', `An article titled "${title}" already exists`);
  }
}

/** Headings beyond this many characters are not read into an article's title vector (a tsvector holds at most 1 MB). */
const MAX_TITLE_WORDS_CHARS = 100_000;

/**
 * Writes the words of the article's title and its chunks' headings (`title_vector`, what search
 * weighs an article's subject by) once its chunks are written; the migration 0019 fills it the same way.
 */
async function refreshTitleVector(tx: Tx, accountId: number, articleId: number) {
  await tx.execute(sql`update knowledge_base_articles a set title_vector = strip(to_tsvector('english', left(a.title || ' ' || coalesce(
      (select string_agg(distinct c.heading, ' ') from knowledge_base_chunks c where c.account_id = a.account_id and c.article_id = a.id),
      ''), ${MAX_TITLE_WORDS_CHARS})))
    where a.account_id = ${accountId} and a.id = ${articleId}`);
}

/**
 * Replaces the article's chunks and queues their embedding: the number of chunks written, or
 * `'pending'` for a long article, whose chunks `writeChunks` writes after this transaction.
 */
export async function rechunk(tx: Tx, accountId: number, articleId: number, content: string): Promise<number | 'pending'> {
  await tx.delete(knowledgeBaseChunks).where(and(eq(knowledgeBaseChunks.accountId, accountId), eq(knowledgeBaseChunks.articleId, articleId)));
  await tx
    .update(knowledgeBaseArticles)
    .set({ embeddingStatus: 'pending', embeddingError: null })
    .where(and(eq(knowledgeBaseArticles.accountId, accountId), eq(knowledgeBaseArticles.id, articleId)));
  await insertJob(tx, 'kb-embed', { accountId, articleId }, { key: jobKey(accountId, articleId, randomUUID()) });
  if (content.length > INLINE_CHUNK_CHARS) {
    // Its title, until writeChunks has written the headings.
    await refreshTitleVector(tx, accountId, articleId);
    return 'pending';
  }
  const chunks = chunkArticle(content);
  if (chunks.length > 0) await tx.insert(knowledgeBaseChunks).values(chunks.map((chunk) => ({ accountId, articleId, ...chunk })));
  await refreshTitleVector(tx, accountId, articleId);
  return chunks.length;
}

/**
 * Writes the chunks a long article is missing, `CHUNK_SLICE` per transaction with the event
 * loop free in between, and answers how many it has (undefined: the article is gone, or was
 * written again meanwhile, whose own writer takes over). Any number of writers may run at
 * once (the request that wrote the article, its kb-embed job): each transaction continues
 * after the chunks already there, under the article's row lock.
 */
export async function writeChunks(db: AppDb, accountId: number, articleId: number): Promise<number | undefined> {
  const scope = { accountId };
  const where = and(eq(knowledgeBaseArticles.accountId, accountId), eq(knowledgeBaseArticles.id, articleId));
  // The size in bytes is known without reading the content, and never below its length.
  const version = { updatedAt: knowledgeBaseArticles.updatedAt, bytes: sql<number>`octet_length(${knowledgeBaseArticles.content})` };
  const [size] = await withTenant(db, scope, (tx) => tx.select(version).from(knowledgeBaseArticles).where(where));
  if (!size || size.bytes <= INLINE_CHUNK_CHARS) return undefined;
  const [article] = await withTenant(db, scope, (tx) =>
    tx
      .select({ ...version, content: knowledgeBaseArticles.content })
      .from(knowledgeBaseArticles)
      .where(where),
  );
  // A short article's chunks were written with it.
  if (!article || article.content.length <= INLINE_CHUNK_CHARS) return undefined;
  const chunks = await chunkArticleInSlices(article.content);
  for (;;) {
    await setImmediate();
    const written = await withTenant(db, scope, async (tx) => {
      const [current] = await tx.select(version).from(knowledgeBaseArticles).where(where).for('update');
      if (current?.updatedAt.getTime() !== article.updatedAt.getTime() || current.bytes !== article.bytes) return undefined;
      const [{ next } = { next: 0 }] = await tx
        .select({ next: sql<number>`coalesce(max(${knowledgeBaseChunks.position}) + 1, 0)::int` })
        .from(knowledgeBaseChunks)
        .where(and(eq(knowledgeBaseChunks.accountId, accountId), eq(knowledgeBaseChunks.articleId, articleId)));
      const slice = chunks.slice(next, next + CHUNK_SLICE);
      if (slice.length === 0) return next;
      await tx.insert(knowledgeBaseChunks).values(slice.map((chunk) => ({ accountId, articleId, ...chunk })));
      if (next + slice.length >= chunks.length) {
        // Complete: whatever marked it ready meanwhile saw only part of its chunks; its job embeds the rest.
        await tx
          .update(knowledgeBaseArticles)
          .set({ embeddingStatus: 'pending' })
          .where(and(where, sql`${knowledgeBaseArticles.embeddingStatus} = 'ready'`));
        await refreshTitleVector(tx, accountId, articleId);
      }
      return next + slice.length;
    });
    if (written === undefined || written >= chunks.length) return written;
  }
}

export async function insertArticle(tx: Tx, accountId: number, input: ArticleInput & { authorId?: number | null; createdAt?: Date; updatedAt?: Date }) {
  const [created] = await tx
    .insert(knowledgeBaseArticles)
    .values({
      accountId,
      title: input.title.trim(),
      content: input.content,
      category: input.category?.trim() || null,
      status: input.status ?? 'published',
      authorId: input.authorId ?? null,
      ...(input.createdAt ? { createdAt: input.createdAt } : {}),
      ...(input.updatedAt ? { updatedAt: input.updatedAt } : {}),
    })
    .returning({ id: knowledgeBaseArticles.id });
  const chunkCount = await rechunk(tx, accountId, created!.id, input.content);
  return { id: created!.id, chunkCount };
}

export async function updateArticle(
  tx: Tx,
  accountId: number,
  id: number,
  changes: Partial<ArticleInput>,
  current: { title: string; content: string },
): Promise<Chunking> {
  await tx
    .update(knowledgeBaseArticles)
    .set({
      ...(changes.title !== undefined ? { title: changes.title.trim() } : {}),
      ...(changes.content !== undefined ? { content: changes.content } : {}),
      ...(changes.category !== undefined ? { category: changes.category?.trim() || null } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(knowledgeBaseArticles.accountId, accountId), eq(knowledgeBaseArticles.id, id)));
  // The title is part of every chunk's embedded text, so a new title re-embeds too.
  const retitled = changes.title !== undefined && changes.title.trim() !== current.title;
  const rewritten = changes.content !== undefined && changes.content !== current.content;
  return retitled || rewritten ? rechunk(tx, accountId, id, changes.content ?? current.content) : null;
}
