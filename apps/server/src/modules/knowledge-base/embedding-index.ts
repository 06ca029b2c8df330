/**
 * The account's vectors: which embedding model its search uses (`active`), and the move to the
 * configured model when that changes (`building`): every chunk is embedded again in the
 * background with progress, search keeps using the active vectors until the new ones are
 * complete, then one transaction switches over and drops the old ones.
 */
import { and, eq, gt, inArray, notExists, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { knowledgeBaseArticles, knowledgeBaseChunks, knowledgeBaseEmbeddings, knowledgeBaseIndexState } from '../../db/schema.js';
import type { EmbeddingModel } from '../../platform/ai/embedding-models.js';
import { postgresCode } from '../../platform/errors.js';
import { jobKey } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { withTenant } from '../../platform/tenancy.js';
import { writeChunks } from './articles.repo.js';
import { embeddingText } from './chunking.js';
import { ensureVectorIndex } from './vector-index.js';

/**
 * Chunks embedded per round trip: one batch of the local encoder, so a search's question (which
 * shares the encoder) waits behind one batch at most, never behind a whole article.
 */
const BATCH = 32;

export interface IndexState {
  activeModel: string;
  buildingModel: string | null;
  progress: number;
  total: number;
  error: string | null;
}

export function createEmbeddingIndex(deps: {
  db: AppDb;
  /** The model this installation is configured with: new accounts start on it, others move to it. */
  model: EmbeddingModel;
  /** Every model this process can embed with (the local one always). */
  models: ReadonlyMap<string, EmbeddingModel>;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  onError: (error: unknown) => void;
}) {
  const { db } = deps;
  const prepare = (model: EmbeddingModel) => ensureVectorIndex(db, model, deps.onError);

  /** The account's state, created on first use; starts the move to the configured model if due. */
  async function stateIn(tx: Tx, accountId: number): Promise<IndexState> {
    const read = (lock: boolean) => {
      const query = tx.select().from(knowledgeBaseIndexState).where(eq(knowledgeBaseIndexState.accountId, accountId));
      return (lock ? query.for('update') : query).then((rows) => rows[0]);
    };
    const due = (state: IndexState) => state.activeModel !== deps.model.id && state.buildingModel !== deps.model.id;
    let state = await read(false);
    if (!state) {
      await tx.insert(knowledgeBaseIndexState).values({ accountId, activeModel: deps.model.id }).onConflictDoNothing();
      state = await read(false);
    }
    if (!due(state!)) return state!;
    // The configured model changed: this call (the first to notice, under the row lock) starts the move.
    state = await read(true);
    if (!due(state!)) return state!;
    await tx
      .update(knowledgeBaseIndexState)
      .set({ buildingModel: deps.model.id, progress: 0, total: 0, error: null, updatedAt: new Date() })
      .where(eq(knowledgeBaseIndexState.accountId, accountId));
    await deps.queue.enqueue(tx, 'kb-reembed', { accountId, model: deps.model.id }, { key: jobKey(accountId, deps.model.id, Date.now()) });
    return { ...state!, buildingModel: deps.model.id, progress: 0, total: 0, error: null };
  }

  /** Embeds the account's chunks that have no vector of `model` yet (those of one article, if given). */
  async function embedMissing(accountId: number, model: EmbeddingModel, articleId?: number, onBatch?: (done: number) => Promise<void>) {
    await prepare(model);
    let done = 0;
    // Every chunk up to the last of a batch has its vector (or is gone): the next batch starts after it.
    let after = 0;
    for (;;) {
      const batch = await withTenant(db, { accountId }, (tx) =>
        tx
          .select({
            id: knowledgeBaseChunks.id,
            heading: knowledgeBaseChunks.heading,
            content: knowledgeBaseChunks.content,
            title: knowledgeBaseArticles.title,
          })
          .from(knowledgeBaseChunks)
          .innerJoin(
            knowledgeBaseArticles,
            and(eq(knowledgeBaseArticles.accountId, knowledgeBaseChunks.accountId), eq(knowledgeBaseArticles.id, knowledgeBaseChunks.articleId)),
          )
          .where(
            and(
              eq(knowledgeBaseChunks.accountId, accountId),
              articleId === undefined ? undefined : eq(knowledgeBaseChunks.articleId, articleId),
              gt(knowledgeBaseChunks.id, after),
              notExists(
                tx
                  .select({ one: sql`1` })
                  .from(knowledgeBaseEmbeddings)
                  .where(and(eq(knowledgeBaseEmbeddings.chunkId, knowledgeBaseChunks.id), eq(knowledgeBaseEmbeddings.model, model.id))),
              ),
            ),
          )
          .orderBy(knowledgeBaseChunks.id)
          .limit(BATCH),
      );
      if (batch.length === 0) return done;
      after = batch.at(-1)!.id;
      const vectors = await model.embed(
        batch.map((chunk) => embeddingText(chunk.title, chunk)),
        'bulk',
      );
      try {
        await withTenant(db, { accountId }, (tx) =>
          tx
            .insert(knowledgeBaseEmbeddings)
            .values(batch.map((chunk, i) => ({ chunkId: chunk.id, accountId, model: model.id, embedding: vectors[i]! })))
            .onConflictDoNothing(),
        );
      } catch (error) {
        // The article was edited meanwhile and these chunks replaced: the new ones have their own job.
        if (postgresCode(error) !== '23503') throw error;
      }
      done += batch.length;
      await onBatch?.(done);
    }
  }

  /** Articles whose every chunk has an active vector are marked ready. */
  async function markReady(accountId: number, activeModel: string, articleIds?: number[]) {
    await withTenant(db, { accountId }, (tx) =>
      tx
        .update(knowledgeBaseArticles)
        .set({ embeddingStatus: 'ready', embeddingError: null })
        .where(
          and(
            eq(knowledgeBaseArticles.accountId, accountId),
            articleIds ? inArray(knowledgeBaseArticles.id, articleIds) : undefined,
            sql`${knowledgeBaseArticles.embeddingStatus} <> 'ready'`,
            sql`not exists (select 1 from knowledge_base_chunks c where c.account_id = ${knowledgeBaseArticles.accountId}
                  and c.article_id = ${knowledgeBaseArticles.id}
                  and not exists (select 1 from knowledge_base_embeddings e where e.chunk_id = c.id and e.model = ${activeModel}))`,
          ),
        ),
    );
  }

  return {
    stateIn,
    async state(accountId: number) {
      const state = await withTenant(db, { accountId }, (tx) => stateIn(tx, accountId));
      if (state.buildingModel) deps.queue.wake();
      return state;
    },
    /** The model the account's vectors are searched with, if this process can embed queries with it. */
    modelOf: (state: IndexState) => deps.models.get(state.activeModel),

    /** The `kb-embed` job (which first writes a long article's missing chunks), and the inline attempt after an article is written. */
    async embedArticles(accountId: number, articleId?: number) {
      if (articleId !== undefined) await writeChunks(db, accountId, articleId);
      const state = await withTenant(db, { accountId }, (tx) => stateIn(tx, accountId));
      let embedded = 0;
      for (const id of [state.activeModel, state.buildingModel]) {
        const model = id ? deps.models.get(id) : undefined;
        if (model) embedded += await embedMissing(accountId, model, articleId);
      }
      await markReady(accountId, state.activeModel, articleId === undefined ? undefined : [articleId]);
      return { embedded, model: state.activeModel };
    },

    /** Records that an article could not be embedded (its job has given up). */
    async markFailed(accountId: number, articleId: number, error: string) {
      await withTenant(db, { accountId }, (tx) =>
        tx
          .update(knowledgeBaseArticles)
          .set({ embeddingStatus: 'failed', embeddingError: error.slice(0, 500) })
          .where(and(eq(knowledgeBaseArticles.accountId, accountId), eq(knowledgeBaseArticles.id, articleId))),
      );
    },

    /** The `kb-reembed` job: every chunk again with the new model, then the switch. */
    async rebuild(accountId: number, modelId: string, log: (line: string) => void) {
      const model = deps.models.get(modelId);
      if (!model) return { skipped: `this process cannot embed with ${modelId}` };
      const scope = { accountId };
      const state = await withTenant(db, scope, (tx) => stateIn(tx, accountId));
      if (state.buildingModel !== modelId) return { skipped: `the account is not moving to ${modelId}` };
      const [counted] = await withTenant(db, scope, (tx) =>
        tx
          .select({ total: sql<number>`count(*)::int` })
          .from(knowledgeBaseChunks)
          .where(eq(knowledgeBaseChunks.accountId, accountId)),
      );
      const [already] = await withTenant(db, scope, (tx) =>
        tx
          .select({ n: sql<number>`count(*)::int` })
          .from(knowledgeBaseEmbeddings)
          .where(and(eq(knowledgeBaseEmbeddings.accountId, accountId), eq(knowledgeBaseEmbeddings.model, modelId))),
      );
      const total = counted!.total;
      const setProgress = (progress: number) =>
        withTenant(db, scope, (tx) =>
          tx
            .update(knowledgeBaseIndexState)
            .set({ progress: Math.min(progress, total), total, updatedAt: new Date() })
            .where(and(eq(knowledgeBaseIndexState.accountId, accountId), eq(knowledgeBaseIndexState.buildingModel, modelId))),
        );
      await setProgress(already!.n);
      log(`Embedding ${total} chunks with ${modelId} (${already!.n} already done)`);
      const embedded = await embedMissing(accountId, model, undefined, (done) => setProgress(already!.n + done).then(() => undefined));
      const switched = await withTenant(db, scope, async (tx) => {
        const [current] = await tx.select().from(knowledgeBaseIndexState).where(eq(knowledgeBaseIndexState.accountId, accountId)).for('update');
        if (current?.buildingModel !== modelId) return false;
        // Chunks written after the last batch have their vectors of both models from their own job;
        // any still missing would be unsearchable after the switch, so the switch waits for them.
        const [missing] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(knowledgeBaseChunks)
          .where(
            and(
              eq(knowledgeBaseChunks.accountId, accountId),
              sql`not exists (select 1 from knowledge_base_embeddings e where e.chunk_id = ${knowledgeBaseChunks.id} and e.model = ${modelId})`,
            ),
          );
        if (missing!.n > 0) throw new Error(`${missing!.n} chunks still lack a ${modelId} vector; the job runs again`);
        const [final] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(knowledgeBaseChunks)
          .where(eq(knowledgeBaseChunks.accountId, accountId));
        await tx
          .update(knowledgeBaseIndexState)
          .set({ activeModel: modelId, buildingModel: null, progress: final!.n, total: final!.n, updatedAt: new Date() })
          .where(eq(knowledgeBaseIndexState.accountId, accountId));
        await tx
          .delete(knowledgeBaseEmbeddings)
          .where(and(eq(knowledgeBaseEmbeddings.accountId, accountId), sql`${knowledgeBaseEmbeddings.model} <> ${modelId}`));
        return true;
      });
      if (switched) await markReady(accountId, modelId);
      log(switched ? `Search now uses ${modelId}` : `The account moved on meanwhile; ${modelId} not switched to`);
      return { embedded, total, switched };
    },
  };
}

export type EmbeddingIndex = ReturnType<typeof createEmbeddingIndex>;
