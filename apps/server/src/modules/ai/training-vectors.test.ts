/**
 * A retraining embeds only the texts it has not embedded before: the others' vectors are stored
 * (ai_example_embeddings, by the text's hash), and those of texts the account no longer has go.
 * A stored vector of the wrong length (another build of the encoder) is embedded again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { aiExampleEmbeddings } from '../../db/schema.js';
import { createEmbedder, EMBEDDING_DIMENSIONS, type Embedder } from '../../platform/ai/embeddings.js';
import { textHash } from '../../platform/ai/text-hash.js';
import { withTenant } from '../../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../../test-support/app.js';
import { databaseKinds } from '../../test-support/databases.js';
import { trainAccountModel } from './training.js';

const TAXONOMY = [
  { name: 'orders', examples: ['Where is my order?', 'My parcel has not arrived', 'Tracking shows no movement'] },
  { name: 'returns', examples: ['I want to send this back', 'How do I return an item?', 'Return label please'] },
];

describe.each(await databaseKinds())('vectors of training examples on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  const local = createEmbedder();
  const embedded: string[] = [];
  /** The real encoder, counting the texts it is asked for. */
  const embedder: Embedder = {
    embed: (texts, lane) => {
      embedded.push(...texts);
      return local.embed(texts, lane);
    },
    close: () => local.close(),
  };
  const train = async () => {
    embedded.length = 0;
    await trainAccountModel({ db: t.database.db, embedder }, a.accountId, () => undefined);
    return [...embedded];
  };
  const stored = () => withTenant(t.database.db, a, (tx) => tx.select().from(aiExampleEmbeddings).where(eq(aiExampleEmbeddings.accountId, a.accountId)));
  const put = async (categories: typeof TAXONOMY) => {
    const answer = await call(t.app, a, { method: 'PUT', url: '/api/ai/taxonomy', payload: { categories } });
    expect(answer.status).toBe(200);
  };

  beforeAll(async () => {
    // No workers: the trainings run here, one at a time.
    t = await createTestApp(kind);
    a = await registerAccount(t.app, 'Vectors');
  }, 120_000);
  afterAll(async () => {
    await embedder.close();
    await t?.close();
  });

  it('embeds each text once, and after a change only the new ones', async () => {
    await put(TAXONOMY);
    expect((await train()).sort()).toEqual(TAXONOMY.flatMap((category) => category.examples).sort());
    expect(await stored()).toHaveLength(6);
    expect(await train()).toEqual([]);

    // One text moves to another category, one goes, one is new, and one appears twice.
    await put([
      { name: 'orders', examples: ['Where is my order?', 'My parcel has not arrived', 'Return label please', 'Can I change my delivery address?'] },
      { name: 'returns', examples: ['I want to send this back', 'Return label please', 'Can I change my delivery address?'] },
    ]);
    expect(await train()).toEqual(['Can I change my delivery address?']);
    // The text no example has any more is forgotten.
    expect(await stored()).toHaveLength(5);
  }, 120_000);

  it('embeds a text again when its stored vector has another length, and stores the new one in its place', async () => {
    const text = 'Where is my order?';
    const ofText = and(eq(aiExampleEmbeddings.accountId, a.accountId), eq(aiExampleEmbeddings.textHash, textHash(text)));
    await withTenant(t.database.db, a, (tx) =>
      tx
        .update(aiExampleEmbeddings)
        .set({ embedding: Buffer.alloc(8) })
        .where(ofText),
    );
    expect(await train()).toEqual([text]);
    const [row] = await withTenant(t.database.db, a, (tx) => tx.select().from(aiExampleEmbeddings).where(ofText));
    expect(row!.embedding.byteLength).toBe(EMBEDDING_DIMENSIONS * 4);
    expect(await train()).toEqual([]);
  }, 120_000);
});
