import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from './model-codec.js';
import { epochsFor, packExamples, predict, trainCategoryModel, type TrainingExample } from './softmax-classifier.js';
import { textFeatures } from './text-features.js';

/** Texts only (no embedding): the sparse n-gram half of the model must learn on its own. */
const example = (text: string, label: string, weight = 1): TrainingExample => ({
  dense: new Float32Array(0),
  sparse: textFeatures(text),
  label,
  weight,
});
const features = (text: string) => ({ dense: new Float32Array(0), sparse: textFeatures(text) });

const SEED: TrainingExample[] = [
  ...[
    'I was charged twice',
    'wrong amount on my invoice',
    'my card was billed two times',
    'need a VAT invoice',
    'payment failed at checkout',
    'why is the price higher',
  ].map((t) => example(t, 'billing')),
  ...[
    'where is my parcel',
    'tracking number does not work',
    'delivery is late',
    'package never arrived',
    'change my shipping address',
    'courier lost my order',
  ].map((t) => example(t, 'shipping')),
  ...[
    'the app crashes on start',
    'error E-SYNC-503 when syncing',
    'button does nothing',
    'screen goes blank after login',
    'export produces an empty file',
    'map tiles fail to load',
  ].map((t) => example(t, 'bug')),
];

describe('per-account category model', () => {
  it('learns categories from a handful of examples and generalises to new wording', () => {
    const model = trainCategoryModel(SEED, { seed: 1 });
    expect(predict(model, features('I got billed twice for one order'))[0]!.label).toBe('billing');
    expect(predict(model, features('my parcel is late, where is it?'))[0]!.label).toBe('shipping');
    expect(predict(model, features('the app crashes with an error'))[0]!.label).toBe('bug');
    const probabilities = predict(model, features('where is my parcel'));
    expect(probabilities.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 6);
  });

  it('is less confident on text unlike any example than on text like one', () => {
    const model = trainCategoryModel(SEED, { seed: 1 });
    const familiar = predict(model, features('tracking number does not work'))[0]!.probability;
    const unfamiliar = predict(model, features('zebra quantum lighthouse'))[0]!.probability;
    expect(familiar).toBeGreaterThan(unfamiliar);
    expect(unfamiliar).toBeLessThan(0.6);
  });

  it('learns a correction by retraining from its previous weights', () => {
    const model = trainCategoryModel(SEED, { seed: 1 });
    const text = 'the Kaamos jacket zipper is stuck';
    const before = predict(model, features(text))[0]!.label;
    const corrected = before === 'bug' ? 'shipping' : 'bug';
    const retrained = trainCategoryModel([...SEED, example('Kaamos jacket zipper stuck', corrected, 3)], { seed: 1, warmStart: model, epochs: 20 });
    expect(predict(retrained, features(text))[0]!.label).toBe(corrected);
    // What it knew stays known.
    expect(predict(retrained, features('I was charged twice'))[0]!.label).toBe('billing');
  });

  it('classifies messages in other languages from English examples, by the English words of what they name', () => {
    const model = trainCategoryModel(SEED, { seed: 1 });
    expect(predict(model, features('Pakettini ei ole vielä saapunut'))[0]!.label).toBe('shipping');
    expect(predict(model, features('Mein Paket ist nicht angekommen'))[0]!.label).toBe('shipping');
    expect(predict(model, features("On m'a débité deux fois"))[0]!.label).toBe('billing');
    expect(predict(model, features('Sovellus kaatuu käynnistyksessä'))[0]!.label).toBe('bug');
  });

  it('calibrates on folds that hold every category, however the examples are ordered', () => {
    // Category after category in turn, four of them: folds by row number would each hold one
    // category, never seen by the model predicting it, and the temperature would go to its maximum.
    const interleaved = [0, 1, 2, 3, 4, 5].flatMap((i) => [
      SEED[i]!,
      SEED[6 + i]!,
      SEED[12 + i]!,
      example(['hello there', 'good morning', 'thanks a lot', 'have a nice day', 'kind regards', 'hi again'][i]!, 'general'),
    ]);
    const model = trainCategoryModel(interleaved, { seed: 1 });
    expect(model.temperature).toBeLessThan(2);
  });

  it('is stored as its non-zero n-gram weights, and reads models stored whole', () => {
    const model = trainCategoryModel(SEED, { seed: 1 });
    const stored = encodeModel(model);
    expect(decodeModel(stored)).toEqual(model);
    const base64 = (array: Float32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
    const whole = JSON.stringify({ ...model, dense: model.dense.map(base64), sparse: model.sparse.map(base64), bias: base64(model.bias) });
    expect(decodeModel(whole)).toEqual(model);
    expect(stored.length).toBeLessThan(whole.length / 10);
  });

  it('refuses to train with fewer than two categories', () => {
    expect(() => trainCategoryModel([example('a', 'billing'), example('b', 'billing')])).toThrow(/two categories/);
  });

  it('trains the same model from packed examples, and reports its progress up to the end', () => {
    const shares: number[] = [];
    const packed = trainCategoryModel(packExamples(SEED), { seed: 1, onProgress: (done) => shares.push(done) });
    expect(encodeModel(packed)).toBe(encodeModel(trainCategoryModel(SEED, { seed: 1 })));
    // Told the count, it fills one array of that size: the same set.
    expect(packExamples(SEED, SEED.length)).toEqual(packExamples(SEED));
    expect(shares.length).toBeGreaterThan(1);
    expect(shares.every((share, i) => share > (shares[i - 1] ?? 0))).toBe(true);
    expect(shares.at(-1)).toBe(1);
  });

  it('gives small sets 60 passes and large ones fewer, never under 6', () => {
    expect(epochsFor(80)).toBe(60);
    expect(epochsFor(400)).toBe(60);
    expect(epochsFor(2_000)).toBe(12);
    expect(epochsFor(10_000)).toBe(6);
    expect(epochsFor(50_000)).toBe(6);
  });

  it('learns many categories from a larger set in fewer passes', () => {
    // 40 categories (8 products × 5 issues) of 60 templated messages: 2,400 examples, 10 passes.
    const products = ['tent', 'jacket', 'boots', 'backpack', 'watch', 'stove', 'kayak', 'lamp'];
    const issues = ['arrived broken', 'never arrived', 'want a refund for', 'how do I clean', 'charged twice for'];
    const openers = ['Hi,', 'Hello!', 'Quick question:', 'Dear support,', ''];
    const closers = ['Thanks.', 'Please help.', 'Regards', '', 'asap'];
    const texts = (n: number, offset: number) =>
      products.flatMap((product, p) =>
        issues.flatMap((issue, i) =>
          Array.from({ length: n }, (_, j) => ({
            text: `${openers[(j + offset) % 5]} my ${product} ${issue} order ${j + offset} ${closers[(j * 3 + offset) % 5]}`,
            label: `${p}-${i}`,
          })),
        ),
      );
    const model = trainCategoryModel(
      texts(60, 0).map(({ text, label }) => example(text, label)),
      { seed: 1 },
    );
    expect(model.labels).toHaveLength(40);
    const test = texts(5, 1_000);
    const right = test.filter(({ text, label }) => predict(model, features(text))[0]!.label === label).length;
    expect(right / test.length).toBeGreaterThan(0.95);
    expect(model.temperature).not.toBe(1);
  });
});
