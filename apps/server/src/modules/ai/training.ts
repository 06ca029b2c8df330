/**
 * Training an account's category model: embed the examples (taxonomy and corrections) whose
 * vectors are not stored yet (ai_example_embeddings, by the text's hash: a retraining after a
 * correction or a few new examples embeds only those, not 10,000 again), fit the
 * calibrated softmax model in a thread of its own (platform/ai/model-fitting.ts, so the event loop
 * serves every account meanwhile), store it. Embedding and fitting are platform/ai/fit-examples.ts,
 * which trains the build's default model alike. Classification keeps using the last ready model until
 * the new one is stored, and a failed training leaves it in place.
 *
 * Trainings of one account can overlap (the queued job, the classifier's first-model training,
 * several workers). Each request stamps the model row's `updated_at`; a training writes progress
 * and its model only while that stamp is still the one it started from, so a training that a newer
 * request overtook (fewer examples, older categories) never overwrites the newer one's model. While
 * it embeds and fits, it looks at the stamp every second and stops as soon as it was overtaken.
 *
 * When the process shuts down (`stopTrainings`) a training stops where it is and leaves the model
 * as it was, status `training`: its job fails this attempt and runs again after the restart, or on
 * another worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { aiExampleEmbeddings, aiExamples, aiModels } from '../../db/schema.js';
import { LOCAL_EMBEDDING_MODEL_ID } from '../../platform/ai/embedding-models.js';
import type { Embedder } from '../../platform/ai/embeddings.js';
import { embedAndFit, type StoredVector } from '../../platform/ai/fit-examples.js';
import { insertJob } from '../../platform/queue/job-store.js';
import { withTenant } from '../../platform/tenancy.js';

/** Corrections weigh more than seeded examples: they are what this account's agents decided. */
const CORRECTION_WEIGHT = 3;
const EXAMPLES_PAGE = 2_000;
/** How often a training writes its progress and looks whether a newer training overtook it. */
const WATCH_MS = 1_000;

export class TrainingStopped extends Error {
  override readonly name = 'TrainingStopped';
}

/** Aborted once, when the process shuts down. */
const shutdown = new AbortController();

/**
 * For the process's shutdown: running trainings stop now (their fitting threads end), later ones
 * at their start; their jobs run again after the restart.
 */
export function stopTrainings() {
  shutdown.abort(new TrainingStopped('the server is shutting down'));
}

/** Marks the model as training and queues the job (in the caller's transaction). */
export async function requestTraining(tx: Tx, accountId: number) {
  await tx
    .insert(aiModels)
    .values({ accountId, status: 'training', progress: 0 })
    .onConflictDoUpdate({ target: aiModels.accountId, set: { status: 'training', progress: 0, error: null, updatedAt: new Date() } });
  // One pending training per account is enough: the key changes once a training has started.
  const [{ version } = { version: 0 }] = await tx.select({ version: aiModels.version }).from(aiModels).where(eq(aiModels.accountId, accountId));
  await insertJob(tx, 'ai-train', { accountId }, { key: `${accountId}-v${version + 1}-${Date.now()}` });
}

/**
 * The account's examples, a page per transaction: 50,000 in one read would hold PGlite's single
 * connection (and the event loop, mapping rows) away from every other account for a while.
 */
async function readExamples(db: AppDb, accountId: number) {
  const rows: { id: number; category: string; text: string; source: 'taxonomy' | 'correction' }[] = [];
  for (;;) {
    const after = rows.at(-1)?.id ?? 0;
    const page = await withTenant(db, { accountId }, (tx) =>
      tx
        .select({ id: aiExamples.id, category: aiExamples.category, text: aiExamples.text, source: aiExamples.source })
        .from(aiExamples)
        .where(and(eq(aiExamples.accountId, accountId), gt(aiExamples.id, after)))
        .orderBy(asc(aiExamples.id))
        .limit(EXAMPLES_PAGE),
    );
    rows.push(...page);
    if (page.length < EXAMPLES_PAGE) return rows;
  }
}

/**
 * Hands each stored vector of these hashes to `use`, reading a page of hashes per transaction.
 * Vectors of the classifier's encoder only: another model's would not compare.
 */
async function readStoredVectors(db: AppDb, accountId: number, hashes: Buffer[], use: (vector: StoredVector) => void) {
  for (let i = 0; i < hashes.length; i += EXAMPLES_PAGE) {
    const page = await withTenant(db, { accountId }, (tx) =>
      tx
        .select({ textHash: aiExampleEmbeddings.textHash, embedding: aiExampleEmbeddings.embedding })
        .from(aiExampleEmbeddings)
        .where(
          and(
            eq(aiExampleEmbeddings.accountId, accountId),
            eq(aiExampleEmbeddings.model, LOCAL_EMBEDDING_MODEL_ID),
            inArray(aiExampleEmbeddings.textHash, hashes.slice(i, i + EXAMPLES_PAGE)),
          ),
        ),
    );
    page.forEach(use);
  }
}

/** Keeps the vectors of texts just embedded, replacing any stored of another length (which training ignores). */
async function storeVectors(db: AppDb, accountId: number, fresh: StoredVector[]) {
  await withTenant(db, { accountId }, (tx) =>
    tx
      .insert(aiExampleEmbeddings)
      .values(fresh.map((vector) => ({ accountId, model: LOCAL_EMBEDDING_MODEL_ID, ...vector })))
      .onConflictDoUpdate({
        target: [aiExampleEmbeddings.accountId, aiExampleEmbeddings.model, aiExampleEmbeddings.textHash],
        set: { embedding: sql`excluded.embedding` },
      }),
  );
}

/**
 * Vectors of texts the account no longer has as examples: they would only take room. NOT IN
 * rather than NOT EXISTS: the planner, short of statistics on a new table, made the latter a
 * nested loop hashing every example once per stored vector (5,000 examples: 19 s on PGlite, whose
 * single connection every account waits for); NOT IN hashes each example once into a set (50,000
 * examples and 51,000 vectors: 0.13 s). Example texts are never null, so NOT IN means what it says.
 */
async function forgetUnusedVectors(tx: Tx, accountId: number) {
  await tx.execute(
    sql`delete from ${aiExampleEmbeddings} stored
        where stored.account_id = ${accountId} and stored.model = ${LOCAL_EMBEDDING_MODEL_ID}
          and stored.text_hash not in (select sha256(convert_to(example.text, 'UTF8')) from ${aiExamples} example
                                       where example.account_id = ${accountId})`,
  );
}

export async function trainAccountModel(deps: { db: AppDb; embedder: Embedder }, accountId: number, log: (line: string) => void) {
  const { db, embedder } = deps;
  const scope = { accountId };
  // The request's stamp first: a change to the examples after it makes this training superseded.
  const [current] = await withTenant(db, scope, (tx) =>
    tx.select({ weights: aiModels.weights, requestedAt: aiModels.updatedAt }).from(aiModels).where(eq(aiModels.accountId, accountId)),
  );
  const rows = await readExamples(db, accountId);
  const stillCurrent = and(eq(aiModels.accountId, accountId), current ? eq(aiModels.updatedAt, current.requestedAt) : undefined);
  const superseded = () => {
    log('A newer training was requested meanwhile: this one stopped and stores nothing');
    return { superseded: true as const };
  };
  // Aborted when a newer request overtook this training (or watching it failed): its embedding or fit ends at once.
  const stop = new AbortController();
  // Embedding up to 90 %, fitting up to 99 %, stored 100 %.
  let progress = 0;
  const training = embedAndFit(
    rows.map((row) => ({ category: row.category, text: row.text, weight: row.source === 'correction' ? CORRECTION_WEIGHT : 1 })),
    {
      embedder,
      signal: AbortSignal.any([stop.signal, shutdown.signal]),
      storedVectors: (hashes, use) => readStoredVectors(db, accountId, hashes, use),
      onEmbedded: async (fresh, done) => {
        progress = Math.round(90 * done);
        await storeVectors(db, accountId, fresh);
      },
      onFitProgress: (done) => (progress = 90 + Math.floor(9 * done)),
      warmStart: current?.weights ?? undefined,
    },
  );
  const ended = training.then(
    () => true,
    () => true,
  );
  try {
    // Every second while it embeds and fits: its progress, and whether a newer request overtook it.
    while (!(await Promise.race([ended, sleep(WATCH_MS, false, { ref: false })]))) {
      const [still] = await withTenant(db, scope, (tx) => tx.update(aiModels).set({ progress }).where(stillCurrent).returning({ id: aiModels.accountId }));
      if (!still) {
        stop.abort('a newer training was requested');
        await ended;
        return superseded();
      }
    }
    const model = await training;
    const [storedModel] = await withTenant(db, scope, (tx) =>
      tx
        .update(aiModels)
        .set({
          status: 'ready',
          progress: 100,
          weights: model.model,
          exampleCount: rows.length,
          version: sql`${aiModels.version} + 1`,
          error: null,
          trainedAt: new Date(),
          updatedAt: new Date(),
        })
        .where(stillCurrent)
        .returning({ id: aiModels.accountId }),
    );
    if (!storedModel) return superseded();
    await withTenant(db, scope, (tx) => forgetUnusedVectors(tx, accountId));
    log(
      `Model trained: ${rows.length} examples (${model.embedded} texts embedded, the others' vectors stored), ${model.categories} categories, temperature ${model.temperature.toFixed(2)}, fitted in ${model.fitSeconds.toFixed(1)} s`,
    );
    return { examples: rows.length, categories: model.categories };
  } catch (error) {
    // Whatever failed, the embedding or fit stops with it.
    stop.abort(error);
    if (shutdown.signal.aborted) {
      log('The server is shutting down: training stopped, it runs again after the restart');
      throw shutdown.signal.reason;
    }
    await withTenant(db, scope, (tx) =>
      tx
        .update(aiModels)
        .set({ status: 'failed', error: String(error).slice(0, 500), updatedAt: new Date() })
        .where(stillCurrent),
    );
    throw error;
  }
}
