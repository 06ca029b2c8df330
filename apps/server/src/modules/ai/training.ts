/**
 * Training an account's category model: embed every example (taxonomy and corrections), fit the
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
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { aiExamples, aiModels } from '../../db/schema.js';
import type { Embedder } from '../../platform/ai/embeddings.js';
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
 * The account's examples, a page per transaction: 20,000 in one read would hold PGlite's single
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
    const texts: string[] = [];
    const lane = rows.length >= BULK_EMBEDDING_FROM ? 'bulk' : 'interactive';
    // Filled slice by slice as the vectors arrive: copying 10,000 of them at the end held up the
    // event loop (and, on PGlite, every account's queries) for about 100 ms.
    let dense = new Float32Array(0);
    let denseSize = 0;
    for (let i = 0; i < rows.length; i += EMBED_SLICE) {
      shutdown.signal.throwIfAborted();
      const slice = rows.slice(i, i + EMBED_SLICE);
      texts.push(...slice.map((row) => row.text));
      const vectors = await embedder.embed(
        slice.map((row) => row.text),
        lane,
      );
      if (i === 0) {
        denseSize = vectors[0]?.length ?? 0;
        dense = new Float32Array(rows.length * denseSize);
      }
      vectors.forEach((vector, j) => dense.set(vector, (i + j) * denseSize));
      const progress = Math.round((90 * Math.min(i + EMBED_SLICE, rows.length)) / rows.length);
      const [still] = await withTenant(db, scope, (tx) => tx.update(aiModels).set({ progress }).where(stillCurrent).returning({ id: aiModels.accountId }));
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
    const [stored] = await withTenant(db, scope, (tx) =>
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
    if (!stored) return superseded();
    log(`Model trained: ${rows.length} examples, ${model.categories} categories, temperature ${model.temperature.toFixed(2)}, fitted in ${fitSeconds} s`);
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
