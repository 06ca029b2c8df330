/**
 * Writing an article: the row, its chunks (replaced whenever title or content change) and the
 * job that embeds them, all in the caller's transaction, so an article never exists without
 * the job that makes it searchable. Shared by the API, bulk imports and the demo seed.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { knowledgeBaseArticles, knowledgeBaseChunks, users } from '../../db/schema.js';
import { ConflictError } from '../../platform/errors.js';
import { insertJob } from '../../platform/queue/job-store.js';
import { chunkArticle } from './chunking.js';

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

/** Splits the article into chunks again and queues their embedding. */
export async function rechunk(tx: Tx, accountId: number, articleId: number, content: string) {
  await tx.delete(knowledgeBaseChunks).where(and(eq(knowledgeBaseChunks.accountId, accountId), eq(knowledgeBaseChunks.articleId, articleId)));
  const chunks = chunkArticle(content);
  // Thousands of chunks of a several-MB article go in a few statements, not one huge one.
  for (let start = 0; start < chunks.length; start += 500) {
    await tx.insert(knowledgeBaseChunks).values(chunks.slice(start, start + 500).map((chunk) => ({ accountId, articleId, ...chunk })));
  }
  await tx
    .update(knowledgeBaseArticles)
    .set({ embeddingStatus: 'pending', embeddingError: null })
    .where(and(eq(knowledgeBaseArticles.accountId, accountId), eq(knowledgeBaseArticles.id, articleId)));
  await insertJob(tx, 'kb-embed', { accountId, articleId }, { key: `${accountId}:${articleId}:${randomUUID()}` });
  return chunks.length;
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

export async function updateArticle(tx: Tx, accountId: number, id: number, changes: Partial<ArticleInput>, current: { title: string; content: string }) {
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
