/**
 * Training an account's category model: embed every example (taxonomy and corrections),
 * fit the calibrated softmax model, store it. Classification keeps using the last ready model
 * until the new one is stored, and a failed training leaves it in place.
 *
 * Trainings of one account can overlap (the queued job, the classifier's first-model training,
 * several workers). Each request stamps the model row's `updated_at`; a training writes progress
 * and its model only while that stamp is still the one it started from, so a training that a newer
 * request overtook (fewer examples, older categories) never overwrites the newer one's model.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { aiExamples, aiModels } from '../../db/schema.js';
import type { Embedder } from '../../platform/ai/embeddings.js';
import { encodeModel, decodeModel } from '../../platform/ai/model-codec.js';
import { trainCategoryModel, type TrainingExample } from '../../platform/ai/softmax-classifier.js';
import { textFeatures } from '../../platform/ai/text-features.js';
import { insertJob } from '../../platform/queue/job-store.js';
import { withTenant } from '../../platform/tenancy.js';

/** Corrections weigh more than seeded examples: they are what this account's agents decided. */
const CORRECTION_WEIGHT = 3;
const EMBED_SLICE = 64;

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

export async function trainAccountModel(deps: { db: AppDb; embedder: Embedder }, accountId: number, log: (line: string) => void) {
  const { db, embedder } = deps;
  const scope = { accountId };
  const [rows, current] = await withTenant(db, scope, async (tx) => [
    await tx.select({ category: aiExamples.category, text: aiExamples.text, source: aiExamples.source }).from(aiExamples).where(eq(aiExamples.accountId, accountId)),
    (await tx.select({ weights: aiModels.weights, requestedAt: aiModels.updatedAt }).from(aiModels).where(eq(aiModels.accountId, accountId)))[0],
  ] as const);
  const stillCurrent = and(eq(aiModels.accountId, accountId), current ? eq(aiModels.updatedAt, current.requestedAt) : undefined);
  const superseded = () => {
    log('A newer training was requested meanwhile: this one stores nothing');
    return { superseded: true as const };
  };
  try {
    const examples: TrainingExample[] = [];
    for (let i = 0; i < rows.length; i += EMBED_SLICE) {
      const slice = rows.slice(i, i + EMBED_SLICE);
      const vectors = await embedder.embed(slice.map((row) => row.text));
      slice.forEach((row, j) =>
        examples.push({ dense: vectors[j]!, sparse: textFeatures(row.text), label: row.category, weight: row.source === 'correction' ? CORRECTION_WEIGHT : 1 }),
      );
      const progress = Math.round((90 * Math.min(i + EMBED_SLICE, rows.length)) / rows.length);
      const [still] = await withTenant(db, scope, (tx) => tx.update(aiModels).set({ progress }).where(stillCurrent).returning({ id: aiModels.accountId }));
      if (!still) return superseded();
    }
    const model = trainCategoryModel(examples, { warmStart: current?.weights ? decodeModel(current.weights) : undefined });
    const [stored] = await withTenant(db, scope, (tx) =>
      tx
        .update(aiModels)
        .set({
          status: 'ready',
          progress: 100,
          weights: encodeModel(model),
          exampleCount: examples.length,
          version: sql`${aiModels.version} + 1`,
          error: null,
          trainedAt: new Date(),
          updatedAt: new Date(),
        })
        .where(stillCurrent)
        .returning({ id: aiModels.accountId }),
    );
    if (!stored) return superseded();
    log(`Model trained: ${examples.length} examples, ${model.labels.length} categories, temperature ${model.temperature.toFixed(2)}`);
    return { examples: examples.length, categories: model.labels.length };
  } catch (error) {
    await withTenant(db, scope, (tx) =>
      tx.update(aiModels).set({ status: 'failed', error: String(error).slice(0, 500), updatedAt: new Date() }).where(stillCurrent),
    );
    throw error;
  }
}
