/**
 * One HNSW index per embedding model, on `(embedding::vector(<dimensions>))` and partial on the
 * model: pgvector's way of indexing a column that holds vectors of several dimensions. Created
 * when a process first uses a model (the column itself never changes type), by the connection's
 * own role, which owns the tables; a failure leaves search exact and slower, never broken.
 */
import { sql } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import type { EmbeddingModel } from '../../platform/ai/embedding-models.js';

const ensured = new WeakMap<AppDb, Map<string, Promise<void>>>();

/** The model id as a SQL literal; ids are restricted to `[a-z0-9._-]`, checked again here. */
export function modelLiteral(modelId: string) {
  if (!/^[a-z0-9._-]{1,60}$/.test(modelId)) throw new Error(`unsafe embedding model id ${JSON.stringify(modelId)}`);
  return sql.raw(`'${modelId}'`);
}

/** `embedding::vector(n)`, the expression the model's index is built on. */
export const typedEmbedding = (model: Pick<EmbeddingModel, 'dimensions'>, column = 'e.embedding') =>
  sql.raw(`(${column}::vector(${Math.trunc(model.dimensions)}))`);

export const vectorParam = (model: Pick<EmbeddingModel, 'dimensions'>, vector: number[]) =>
  sql`${`[${vector.join(',')}]`}::vector(${sql.raw(String(Math.trunc(model.dimensions)))})`;

export function ensureVectorIndex(db: AppDb, model: EmbeddingModel, onError: (error: unknown) => void): Promise<void> {
  let perDb = ensured.get(db);
  if (!perDb) ensured.set(db, (perDb = new Map<string, Promise<void>>()));
  let pending = perDb.get(model.id);
  if (!pending) {
    const name = `knowledge_base_embeddings_hnsw_${model.id.replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
    pending = db
      .transaction(async (tx) => {
        // pgvector before 0.8.2 has a memory-safety bug in parallel HNSW builds (CVE-2026-3172).
        await tx.execute(sql`set local max_parallel_maintenance_workers = 0`);
        await tx.execute(
          sql`create index if not exists ${sql.identifier(name)} on knowledge_base_embeddings
              using hnsw (${typedEmbedding(model, 'embedding')} vector_cosine_ops) with (m = 16, ef_construction = 64)
              where model = ${modelLiteral(model.id)}`,
        );
      })
      .then(
        () => undefined,
        (error: unknown) => {
          // Two processes creating it at once: the other one's index serves.
          if (!/already exists/.test(String(error))) onError(error);
        },
      );
    perDb.set(model.id, pending);
  }
  return pending;
}
