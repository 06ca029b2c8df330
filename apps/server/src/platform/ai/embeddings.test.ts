import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test-support/checks.js';
import { cosineSimilarity, createEmbedder, EMBEDDING_DIMENSIONS } from './embeddings.js';

/** Threads of this process at nice 10 (Linux keeps a nice value per thread). */
function lowPriorityThreads() {
  return readdirSync('/proc/self/task').filter((task) => {
    const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '10';
  }).length;
}

describe('local sentence embeddings (USE lite, from the npm package)', () => {
  const embedder = createEmbedder({ bulkIdleMs: 500 });
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

  it("gives a long text the same vector alone as beside 31 others in one run (the worker's runs rely on it)", async () => {
    const long = Array.from({ length: 60 }, (_, i) => `Sentence ${i} of a long complaint about a late refund.`).join(' ');
    const others = Array.from({ length: 31 }, (_, i) => `short question ${i}${' about shipping'.repeat(i % 4)}`);
    const [alone] = await embedder.embed([long]);
    const together = await embedder.embed([...others.slice(0, 15), long, ...others.slice(15)]);
    expect(together).toHaveLength(32);
    expect(cosineSimilarity(together[15]!, alone!)).toBeCloseTo(1, 5);
  });

  it("answers a call's text in the next batch, not behind another call's hundreds in the same lane", async () => {
    const order: string[] = [];
    const many = embedder.embed(Array.from({ length: 300 }, (_, i) => `draft sentence ${i} about refunds`)).then(() => order.push('many'));
    const [one] = await embedder.embed(['I was charged twice']).then((vectors) => {
      order.push('one');
      return vectors;
    });
    await many;
    expect(order).toEqual(['one', 'many']);
    const [alone] = await embedder.embed(['I was charged twice']);
    expect(cosineSimilarity(one!, alone!)).toBeCloseTo(1, 5);
  }, 60_000);

  it('gives a large call its turns while short calls keep coming', async () => {
    let largeDone = false;
    const large = embedder.embed(Array.from({ length: 96 }, (_, i) => `training example ${i} about invoices`)).then(() => (largeDone = true));
    // 40 callers of one text, each asking again as soon as it is answered: more short texts than a
    // batch holds wait at every batch. Smallest-first alone would never send the large call's.
    let answered = 0;
    const ask = async (caller: number) => {
      while (!largeDone && answered < 2_000) {
        await embedder.embed([`short question ${caller}`]);
        answered += 1;
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, caller) => ask(caller)));
    expect(largeDone).toBe(true);
    await large;
    // The short calls were served all the while, more than once each on average.
    expect(answered).toBeGreaterThan(40);
  }, 60_000);

  it('embeds bulk work in a thread of its own at a lower priority, without holding up interactive texts', async () => {
    const text = 'Where is my parcel? It has not arrived yet';
    const [interactive] = await embedder.embed([text]);
    const [bulk] = await embedder.embed([text], 'bulk');
    expect(cosineSimilarity(interactive!, bulk!)).toBeCloseTo(1, 5);
    expect(embedder.loaded('bulk')).toBe(true);
    // The bulk lane's thread, and only it, runs at nice 10.
    expect(lowPriorityThreads()).toBe(1);

    // A person's text is answered while 300 texts of bulk work are still queued.
    const order: string[] = [];
    const many = embedder
      .embed(
        Array.from({ length: 300 }, (_, i) => `article passage ${i} about returns`),
        'bulk',
      )
      .then(() => order.push('bulk'));
    await embedder.embed(['I was charged twice']).then(() => order.push('interactive'));
    await many;
    expect(order).toEqual(['interactive', 'bulk']);

    // Idle, the bulk thread ends and gives its model's memory back; the next bulk work starts another.
    await eventually('the idle bulk thread to end', () => (!embedder.loaded('bulk') && lowPriorityThreads() === 0 ? true : undefined));
    expect(embedder.loaded()).toBe(true);
    const [again] = await embedder.embed([text], 'bulk');
    expect(cosineSimilarity(again!, bulk!)).toBeCloseTo(1, 5);
  }, 120_000);
});
