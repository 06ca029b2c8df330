/**
 * Training an account's category model: embed the examples (taxonomy and corrections) whose
 * vectors are not stored yet (ai_example_embeddings, by the text's hash: a retraining after a
 * correction or a few new examples embeds only those, not 10,000 again), fit the
 * calibrated softmax model in a thread of its own (platform/ai/model-fitting.ts, so the event loop
 * serves every account meanwhile), store it. Classification keeps using the last ready model until
 * the new one is stored, and a failed training leaves it in place.
 *
 * Trainings of one account can overlap (the queued job, the classifier's first-model training,
 * several workers). Each request stamps the model row's `updated_at`; a training writes progress
 * and its model only while that stamp is still the one it started from, so a training that a newer
 * request overtook (fewer examples, older categories) never overwrites the newer one's model. While
 * it fits, it looks at the stamp every second and ends the fit as soon as it was overtaken.
 *
 * When the process shuts down (`stopTrainings`) a training stops where it is and leaves the model
 * as it was, status `training`: its job fails this attempt and runs again after the restart, or on
 * another worker.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { aiExampleEmbeddings, aiExamples, aiModels } from '../../db/schema.js';
import { LOCAL_EMBEDDING_MODEL_ID } from '../../platform/ai/embedding-models.js';
import { EMBEDDING_DIMENSIONS, type Embedder } from '../../platform/ai/embeddings.js';
import { fitCategoryModel } from '../../platform/ai/model-fitting.js';
import { insertJob } from '../../platform/queue/job-store.js';
import { withTenant } from '../../platform/tenancy.js';

/** Corrections weigh more than seeded examples: they are what this account's agents decided. */
const CORRECTION_WEIGHT = 3;
const EMBED_SLICE = 64;
/**
 * From this many examples a training embeds them in the bulk lane (a thread of its own at a lower
 * priority): a minute of CPU that must not slow the API. Smaller ones (a new account's default
 * taxonomy, a few hundred examples) take seconds and would wait long for a niced thread's CPU.
 */
const BULK_EMBEDDING_FROM = 2_000;
const EXAMPLES_PAGE = 2_000;
/** How often a fit writes its progress and looks whether a newer training overtook it. */
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

/** The key of a text's stored vector: SHA-256 of its UTF-8 bytes, as `sha256(convert_to(text, 'UTF8'))` in SQL. */
const hashOf = (text: string) => createHash('sha256').update(text).digest();

/**
 * Hands each stored vector of these hashes to `use`, reading a page of hashes per transaction.
 * Vectors of the classifier's encoder only: another model's would not compare.
 */
async function readStoredVectors(db: AppDb, accountId: number, hashes: Buffer[], use: (hash: Uint8Array, vector: Uint8Array) => void) {
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
    for (const row of page) use(row.textHash, row.embedding);
  }
}

/** Vectors of texts the account no longer has as examples: they would only take room. */
async function forgetUnusedVectors(tx: Tx, accountId: number) {
  await tx.execute(
    sql`delete from ${aiExampleEmbeddings} stored
        where stored.account_id = ${accountId} and stored.model = ${LOCAL_EMBEDDING_MODEL_ID}
          and not exists (select 1 from ${aiExamples} example
                          where example.account_id = ${accountId} and sha256(convert_to(example.text, 'UTF8')) = stored.text_hash)`,
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
  // Aborted when a newer request overtook this training, to end its fit at once.
  const overtaken = new AbortController();
  try {
    const texts = rows.map((row) => row.text);
    const denseSize = EMBEDDING_DIMENSIONS;
    // Filled as the vectors arrive: copying 10,000 of them at the end held up the event loop (and,
    // on PGlite, every account's queries) for about 100 ms.
    const dense = new Float32Array(rows.length * denseSize);
    // Each text's rows: several examples (in several categories) may share a text and its vector.
    const rowsOf = new Map<string, { hash: Buffer; rows: number[] }>();
    texts.forEach((text, row) => {
      const hash = hashOf(text);
      const key = hash.toString('hex');
      const entry = rowsOf.get(key);
      if (entry) entry.rows.push(row);
      else rowsOf.set(key, { hash, rows: [row] });
    });
    const place = (hash: Uint8Array, vector: Uint8Array) => {
      const entry = rowsOf.get(Buffer.from(hash).toString('hex'))!;
      for (const row of entry.rows) new Uint8Array(dense.buffer, row * denseSize * 4, denseSize * 4).set(vector);
      return entry;
    };
    const found = new Set<{ hash: Buffer; rows: number[] }>();
    await readStoredVectors(
      db,
      accountId,
      [...rowsOf.values()].map((entry) => entry.hash),
      (hash, vector) => found.add(place(hash, vector)),
    );
    const missing = [...rowsOf.values()].filter((entry) => !found.has(entry));
    const lane = missing.length >= BULK_EMBEDDING_FROM ? 'bulk' : 'interactive';
    for (let i = 0; i < missing.length; i += EMBED_SLICE) {
      shutdown.signal.throwIfAborted();
      const slice = missing.slice(i, i + EMBED_SLICE);
      const vectors = await embedder.embed(
        slice.map((entry) => texts[entry.rows[0]!]!),
        lane,
      );
      const fresh = vectors.map((vector, j) => ({ textHash: slice[j]!.hash, embedding: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength) }));
      for (const { textHash, embedding } of fresh) place(textHash, embedding);
      const progress = Math.round((90 * Math.min(i + EMBED_SLICE, missing.length)) / missing.length);
      const still = await withTenant(db, scope, async (tx) => {
        const [row] = await tx.update(aiModels).set({ progress }).where(stillCurrent).returning({ id: aiModels.accountId });
        if (row) {
          await tx
            .insert(aiExampleEmbeddings)
            .values(fresh.map((vector) => ({ accountId, model: LOCAL_EMBEDDING_MODEL_ID, ...vector })))
            .onConflictDoNothing();
        }
        return row;
      });
      if (!still) return superseded();
    }
    const started = performance.now();
    let share = 0;
    const fitting = fitCategoryModel(
      {
        texts,
        labels: rows.map((row) => row.category),
        weights: rows.map((row) => (row.source === 'correction' ? CORRECTION_WEIGHT : 1)),
        dense,
        denseSize,
        warmStart: current?.weights ?? undefined,
      },
      { signal: AbortSignal.any([overtaken.signal, shutdown.signal]), onProgress: (done) => (share = done) },
    );
    const ended = fitting.then(
      () => true,
      () => true,
    );
    // Every second while it fits: its progress, and whether a newer request overtook it.
    while (!(await Promise.race([ended, sleep(WATCH_MS, false, { ref: false })]))) {
      const progress = 90 + Math.floor(9 * share);
      const [still] = await withTenant(db, scope, (tx) => tx.update(aiModels).set({ progress }).where(stillCurrent).returning({ id: aiModels.accountId }));
      if (!still) {
        overtaken.abort('a newer training was requested');
        await ended;
        return superseded();
      }
    }
    const model = await fitting;
    const fitSeconds = ((performance.now() - started) / 1000).toFixed(1);
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
      `Model trained: ${rows.length} examples (${missing.length} texts embedded, the others' vectors stored), ${model.categories} categories, temperature ${model.temperature.toFixed(2)}, fitted in ${fitSeconds} s`,
    );
    return { examples: rows.length, categories: model.categories };
  } catch (error) {
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
