/**
 * The knowledge base: articles (Markdown), their search, the state of their vectors, and bulk
 * imports. A written article is chunked in its transaction and embedded right after it (the
 * answer says `ready`), or by its queued `kb-embed` job when that is quicker said than done.
 * A long article's chunks are written after its transaction, a few per transaction, so that
 * neither it nor an import of many holds the embedded database away from other accounts.
 */
import { setImmediate } from 'node:timers/promises';
import { and, count, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { knowledgeBaseArticles, knowledgeBaseImports } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { decodeTimeIdCursor, toPage } from '../../platform/pagination.js';
import { jobKey } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import {
  articleIdByTitle,
  assertTitleFree,
  insertArticle,
  selectArticles,
  updateArticle,
  writeChunks,
  type ArticleInput,
  type Chunking,
} from './articles.repo.js';
import { markdownToText } from './chunking.js';
import type { EmbeddingIndex } from './embedding-index.js';
import { importItems, type ImportIssue } from './import-files.js';
import { insertImportItems, takeImportItem } from './import-items.repo.js';
import type { KnowledgeSearch } from './search.js';

/** Imports of one account queued or running at once. */
export const MAX_UNFINISHED_IMPORTS = 2;
/** Advisory lock class (with the account id) that orders one account's new imports. */
const IMPORT_LOCK = 7_234_011;

/** An article of up to this many chunks is embedded before the answer; a longer one by its job. */
const INLINE_EMBED_CHUNKS = 40;

type ArticleRow = Awaited<ReturnType<ReturnType<typeof selectArticles>['execute']>>[number];

const present = ({ authorId, authorName, ...row }: ArticleRow) => ({
  ...row,
  author: authorId === null ? null : { id: authorId, name: authorName ?? '' },
});

const summarise = ({ content, ...article }: ReturnType<typeof present>) => ({ ...article, excerpt: markdownToText(content.slice(0, 2_000)).slice(0, 300) });

const importColumns = {
  id: knowledgeBaseImports.id,
  status: knowledgeBaseImports.status,
  total: knowledgeBaseImports.total,
  processed: knowledgeBaseImports.processed,
  created: knowledgeBaseImports.created,
  updated: knowledgeBaseImports.updated,
  failed: knowledgeBaseImports.failed,
  errors: knowledgeBaseImports.errors,
  createdAt: knowledgeBaseImports.createdAt,
  finishedAt: knowledgeBaseImports.finishedAt,
};

export function createKnowledgeBaseService(deps: {
  db: AppDb;
  index: EmbeddingIndex;
  search: KnowledgeSearch;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  configuredModel: string;
  onError: (error: unknown) => void;
}) {
  const { db } = deps;

  async function load(tx: Tx, accountId: number, id: number) {
    const [row] = await selectArticles(tx).where(and(eq(knowledgeBaseArticles.accountId, accountId), eq(knowledgeBaseArticles.id, id)));
    if (!row) throw new NotFoundError('Article');
    return present(row);
  }

  /**
   * Writes a just-written long article's chunks (its job would, should this process stop), or
   * embeds a short one now; its job embeds it otherwise (or if this fails).
   */
  async function embedSoon(ctx: TenantContext, id: number, chunking: Chunking) {
    deps.queue.wake();
    // The article is written either way: should this stop, its job writes the rest of its chunks.
    if (chunking === 'pending') await writeChunks(db, ctx.accountId, id).catch(deps.onError);
    else if (chunking !== null && chunking <= INLINE_EMBED_CHUNKS) {
      await deps.index.embedArticles(ctx.accountId, id).catch(deps.onError);
    }
    return withTenant(db, ctx, (tx) => load(tx, ctx.accountId, id));
  }

  return {
    async list(
      ctx: TenantContext,
      query: { q?: string | undefined; category?: string | undefined; status?: 'draft' | 'published' | undefined; cursor?: string | undefined; limit: number },
    ) {
      const after = decodeTimeIdCursor(query.cursor);
      const words = query.q?.trim();
      const conditions: (SQL | undefined)[] = [
        eq(knowledgeBaseArticles.accountId, ctx.accountId),
        words ? or(ilike(knowledgeBaseArticles.title, `%${words.replace(/[\\%_]/g, '\\$&')}%`)) : undefined,
        query.category ? sql`lower(${knowledgeBaseArticles.category}) = lower(${query.category})` : undefined,
        query.status ? eq(knowledgeBaseArticles.status, query.status) : undefined,
        after ? sql`(${knowledgeBaseArticles.updatedAt}, ${knowledgeBaseArticles.id}) < (${after.at.toISOString()}::timestamptz, ${after.id})` : undefined,
      ];
      const rows = await withTenant(db, ctx, (tx) =>
        selectArticles(tx)
          .where(and(...conditions))
          .orderBy(desc(knowledgeBaseArticles.updatedAt), desc(knowledgeBaseArticles.id))
          .limit(query.limit + 1),
      );
      const page = toPage(rows, query.limit, (row) => [row.updatedAt.toISOString(), row.id]);
      return { ...page, data: page.data.map((row) => summarise(present(row))) };
    },

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => load(tx, ctx.accountId, id)),

    async create(ctx: TenantContext, input: ArticleInput) {
      const created = await withTenant(db, ctx, async (tx) => {
        await assertTitleFree(tx, ctx.accountId, input.title.trim());
        return insertArticle(tx, ctx.accountId, { ...input, authorId: ctx.userId });
      });
      return embedSoon(ctx, created.id, created.chunkCount);
    },

    async update(ctx: TenantContext, id: number, changes: Partial<ArticleInput>) {
      const chunkCount = await withTenant(db, ctx, async (tx) => {
        const current = await load(tx, ctx.accountId, id);
        if (changes.title !== undefined) await assertTitleFree(tx, ctx.accountId, changes.title.trim(), id);
        return updateArticle(tx, ctx.accountId, id, changes, current);
      });
      return embedSoon(ctx, id, chunkCount);
    },

    /** Its chunks and vectors go with it (cascade), in the same transaction: out of search at once. */
    async remove(ctx: TenantContext, id: number) {
      await withTenant(db, ctx, async (tx) => {
        const deleted = await tx
          .delete(knowledgeBaseArticles)
          .where(and(eq(knowledgeBaseArticles.accountId, ctx.accountId), eq(knowledgeBaseArticles.id, id)))
          .returning({ id: knowledgeBaseArticles.id });
        if (deleted.length === 0) throw new NotFoundError('Article');
      });
    },

    async search(ctx: TenantContext, q: string, limit: number) {
      const found = await deps.search.search(ctx.accountId, q, limit);
      return { ...found, results: found.results.map(({ passages: _passages, ...hit }) => hit) };
    },

    async indexStatus(ctx: TenantContext) {
      const state = await deps.index.state(ctx.accountId);
      const counts = await withTenant(db, ctx, (tx) =>
        tx
          .select({ status: knowledgeBaseArticles.embeddingStatus, n: sql<number>`count(*)::int` })
          .from(knowledgeBaseArticles)
          .where(eq(knowledgeBaseArticles.accountId, ctx.accountId))
          .groupBy(knowledgeBaseArticles.embeddingStatus),
      );
      const articles = { pending: 0, ready: 0, failed: 0 };
      for (const row of counts) articles[row.status] = row.n;
      return {
        activeModel: state.activeModel,
        configuredModel: deps.configuredModel,
        buildingModel: state.buildingModel,
        progress: state.progress,
        total: state.total,
        articles,
      };
    },

    /** Queues a bulk import; files that cannot be articles are reported in its errors at once. */
    async startImport(ctx: TenantContext, input: Parameters<typeof importItems>[0]) {
      const { items, issues } = await importItems(input);
      const created = await withTenant(db, ctx, async (tx) => {
        // One account's imports never fill the job queue: two at a time (the lock orders this
        // account's concurrent requests; other accounts do not wait for it).
        await tx.execute(sql`select pg_advisory_xact_lock(${IMPORT_LOCK}, ${ctx.accountId})`);
        const [{ unfinished } = { unfinished: 0 }] = await tx
          .select({ unfinished: count() })
          .from(knowledgeBaseImports)
          .where(and(eq(knowledgeBaseImports.accountId, ctx.accountId), inArray(knowledgeBaseImports.status, ['queued', 'running'])));
        if (unfinished >= MAX_UNFINISHED_IMPORTS) {
          throw new ConflictError('imports_in_progress', `${MAX_UNFINISHED_IMPORTS} imports are still running: start another once one has finished`);
        }
        const [row] = await tx
          .insert(knowledgeBaseImports)
          .values({
            accountId: ctx.accountId,
            total: items.length + issues.length,
            processed: issues.length,
            failed: issues.length,
            errors: issues,
            createdBy: ctx.userId,
          })
          .returning({ id: knowledgeBaseImports.id });
        await insertImportItems(tx, ctx.accountId, row!.id, items);
        await deps.queue.enqueue(tx, 'kb-import', { accountId: ctx.accountId, importId: row!.id }, { key: jobKey(ctx.accountId, row!.id) });
        return row!.id;
      });
      deps.queue.wake();
      return this.getImport(ctx, created);
    },

    async getImport(ctx: TenantContext, id: number) {
      const [row] = await withTenant(db, ctx, (tx) =>
        tx
          .select(importColumns)
          .from(knowledgeBaseImports)
          .where(and(eq(knowledgeBaseImports.accountId, ctx.accountId), eq(knowledgeBaseImports.id, id))),
      );
      if (!row) throw new NotFoundError('Import');
      return row;
    },

    listImports: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) =>
        tx
          .select(importColumns)
          .from(knowledgeBaseImports)
          .where(eq(knowledgeBaseImports.accountId, ctx.accountId))
          .orderBy(desc(knowledgeBaseImports.createdAt))
          .limit(20),
      ),

    /**
     * The `kb-import` job: each article in its own transaction, which takes it off the import's
     * list, writes it (an article with the title of an existing one replaces its content) and
     * counts it; a failing article is recorded and the rest still imported. Running again after a
     * crash goes on with the articles still listed. Between two transactions the event loop is
     * free, and a long article's chunks are written a few per transaction after it (its kb-embed
     * job finishes them should this one stop).
     */
    async runImport(payload: { accountId: number; importId: number }, log: (line: string) => void) {
      const scope = { accountId: payload.accountId };
      const [job] = await withTenant(db, scope, (tx) => setImport(tx, payload, { status: 'running' }));
      if (!job) return { skipped: 'no such import' };
      const counted = (column: 'created' | 'updated' | 'failed') => ({
        processed: sql`${knowledgeBaseImports.processed} + 1`,
        [column]: sql`${knowledgeBaseImports[column]} + 1`,
      });
      for (;;) {
        await setImmediate();
        let title = '';
        try {
          // The article, its removal from the list and the progress that counts it commit together.
          const written = await withTenant(db, scope, async (tx) => {
            const item = await takeImportItem(tx, payload.accountId, payload.importId);
            if (!item) return undefined;
            title = item.title;
            const existing = await articleIdByTitle(tx, payload.accountId, item.title);
            await setImport(tx, payload, counted(existing === undefined ? 'created' : 'updated'));
            if (existing === undefined) {
              const created = await insertArticle(tx, payload.accountId, { ...item, authorId: job.createdBy });
              return { id: created.id, chunking: created.chunkCount };
            }
            const [current] = await tx
              .select({ title: knowledgeBaseArticles.title, content: knowledgeBaseArticles.content })
              .from(knowledgeBaseArticles)
              .where(and(eq(knowledgeBaseArticles.accountId, payload.accountId), eq(knowledgeBaseArticles.id, existing)));
            return { id: existing, chunking: await updateArticle(tx, payload.accountId, existing, item, current!) };
          });
          if (!written) break;
          // Not the import's failure if this stops: the article's kb-embed job writes the rest.
          if (written.chunking === 'pending') await writeChunks(db, payload.accountId, written.id).catch(deps.onError);
        } catch (error) {
          const issue: ImportIssue = { title, error: String((error as Error).message ?? error).slice(0, 300) };
          await withTenant(db, scope, async (tx) => {
            await takeImportItem(tx, payload.accountId, payload.importId);
            await setImport(tx, payload, { ...counted('failed'), errors: sql`${knowledgeBaseImports.errors} || ${JSON.stringify([issue])}::jsonb` });
          });
        }
      }
      deps.queue.wake();
      const [done] = await withTenant(db, scope, (tx) => setImport(tx, payload, { status: 'completed', finishedAt: new Date() }));
      log(`Imported ${done!.created} new and ${done!.updated} replaced articles, ${done!.failed} failed`);
      return { created: done!.created, updated: done!.updated, failed: done!.failed };
    },
  };

  function setImport(tx: Tx, payload: { accountId: number; importId: number }, set: Record<string, unknown>) {
    return tx
      .update(knowledgeBaseImports)
      .set(set)
      .where(and(eq(knowledgeBaseImports.accountId, payload.accountId), eq(knowledgeBaseImports.id, payload.importId)))
      .returning({
        created: knowledgeBaseImports.created,
        updated: knowledgeBaseImports.updated,
        failed: knowledgeBaseImports.failed,
        createdBy: knowledgeBaseImports.createdBy,
      });
  }
}

export type KnowledgeBaseService = ReturnType<typeof createKnowledgeBaseService>;
