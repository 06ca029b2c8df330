import { afterAll, describe, expect, it } from 'vitest';
import { cosineSimilarity, createEmbedder, EMBEDDING_DIMENSIONS } from './embeddings.js';

describe('local sentence embeddings (USE lite, from the npm package)', () => {
  const embedder = createEmbedder();
  afterAll(() => embedder.close());

  it('embeds texts as 512-d vectors whose similarity follows meaning', async () => {
    const [charged, billed, parcel, crash] = await embedder.embed([
      'I was charged twice for order #12345',
      'My card was billed two times for the same purchase',
      'Where is my parcel? It has not arrived yet',
      'The app crashes every time I open it',
    ]);
    expect(charged!.length).toBe(EMBEDDING_DIMENSIONS);
    const same = cosineSimilarity(charged!, billed!);
    expect(same).toBeGreaterThan(cosineSimilarity(charged!, parcel!));
    expect(same).toBeGreaterThan(cosineSimilarity(charged!, crash!));
  });

  it('answers many concurrent callers, in order, and copes with empty and huge texts', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `question number ${i} about shipping`);
    const one = await embedder.embed([texts[5]!]);
    const all = await Promise.all(texts.map((text) => embedder.embed([text])));
    expect(all).toHaveLength(70);
    expect(cosineSimilarity(all[5]![0]!, one[0]!)).toBeCloseTo(1, 5);
    const [empty, huge, emoji] = await embedder.embed(['', 'x'.repeat(100_000), '🙂🙂🙂']);
    for (const vector of [empty, huge, emoji]) expect(Array.from(vector!).every(Number.isFinite)).toBe(true);
  });
});
