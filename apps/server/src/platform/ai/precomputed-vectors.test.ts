import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_ARTICLE_VECTORS_FILE, demoArticleTexts } from '../../modules/demo/article-vectors.js';
import { LOCAL_EMBEDDING_MODEL_ID, localEmbeddingModel, type EmbeddingModel } from './embedding-models.js';
import { cosineSimilarity, createEmbedder } from './embeddings.js';
import { readPrecomputedVectors, withPrecomputedVectors } from './precomputed-vectors.js';
import { textKey } from './text-hash.js';

describe('precomputed vectors', () => {
  const embedder = createEmbedder();
  afterAll(() => embedder.close());

  it('answers the known texts from the table and embeds only the others, in order', async () => {
    const asked: string[][] = [];
    const model: EmbeddingModel = {
      id: 'counting',
      dimensions: 1,
      embed: async (texts) => {
        asked.push(texts);
        return texts.map((text) => [text.length]);
      },
    };
    const cached = withPrecomputedVectors(
      model,
      new Map([
        [textKey('known'), [-1]],
        [textKey('wrong length'), [-1, -1]],
      ]),
    );
    expect(await cached.embed(['one', 'known', 'three'])).toEqual([[3], [-1], [5]]);
    expect(await cached.embed(['known'])).toEqual([[-1]]);
    // A stored vector of another length is not this model's: the text is embedded again.
    expect(await cached.embed(['wrong length'])).toEqual([[12]]);
    expect(asked).toEqual([['one', 'three'], ['wrong length']]);
  });

  it("has the demo articles' vectors from the build, as the encoder embeds them today", async () => {
    const table = readPrecomputedVectors(DEMO_ARTICLE_VECTORS_FILE, LOCAL_EMBEDDING_MODEL_ID);
    const texts = demoArticleTexts();
    expect(
      texts.every((text) => table.has(textKey(text))),
      'the build writes dist/modules/demo/article-vectors.json',
    ).toBe(true);
    expect(readPrecomputedVectors(DEMO_ARTICLE_VECTORS_FILE, 'another-model').size).toBe(0);
    const sample = [texts[0]!, texts.at(-1)!];
    const fresh = await localEmbeddingModel(embedder).embed(sample);
    sample.forEach((text, i) => {
      expect(cosineSimilarity(Float32Array.from(table.get(textKey(text))!), Float32Array.from(fresh[i]!))).toBeGreaterThan(0.999);
    });
  }, 60_000);
});
