import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbedder } from './embeddings.js';
import { evaluate, parseLabelled } from './evaluation.js';
import { predict, trainCategoryModel } from './softmax-classifier.js';
import { textFeatures } from './text-features.js';

describe('evaluation metrics', () => {
  it('computes accuracy, macro-F1 and calibration error', () => {
    const result = evaluate([
      { label: 'a', predicted: 'a', confidence: 0.95 },
      { label: 'a', predicted: 'b', confidence: 0.95 },
      { label: 'b', predicted: 'b', confidence: 0.55 },
      { label: 'b', predicted: 'b', confidence: 0.55 },
    ]);
    expect(result.accuracy).toBe(0.75);
    expect(result.perLabel.a).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(result.perLabel.b!.precision).toBeCloseTo(2 / 3);
    // Bin 0.9: confidence 0.95, accuracy 0.5; bin 0.5: confidence 0.55, accuracy 1.
    expect(result.calibrationError).toBeCloseTo(0.5 * 0.45 + 0.5 * 0.45);
  });

  it('tells the accuracy in each language, for the texts whose language it knows', () => {
    const result = evaluate([
      { label: 'a', predicted: 'a', confidence: 0.9, language: 'fi' },
      { label: 'a', predicted: 'b', confidence: 0.9, language: 'fi' },
      { label: 'b', predicted: 'b', confidence: 0.9, language: 'de' },
      { label: 'b', predicted: 'b', confidence: 0.9 },
    ]);
    expect(result.perLanguage).toEqual({ fi: { accuracy: 0.5, count: 2 }, de: { accuracy: 1, count: 1 } });
    expect(parseLabelled('text,label,language\nMissä on tilaukseni?,shipping,fi\n', 'x.csv')).toEqual([
      { text: 'Missä on tilaukseni?', label: 'shipping', language: 'fi' },
    ]);
  });

  it('reads labelled CSV with quotes and JSONL', () => {
    expect(parseLabelled('text,label\n"charged ""twice"", help",billing\r\nwhere is it,shipping\n', 'x.csv')).toEqual([
      { text: 'charged "twice", help', label: 'billing' },
      { text: 'where is it', label: 'shipping' },
    ]);
    expect(parseLabelled('{"text":"hi","label":"general"}\n', 'x.jsonl')).toEqual([{ text: 'hi', label: 'general' }]);
    expect(() => parseLabelled('message,category\na,b\n', 'x.csv')).toThrow(/text/);
  });
});

describe('the local model on the held-out labelled set', () => {
  const embedder = createEmbedder();
  afterAll(() => embedder.close());
  const read = (name: string) => parseLabelled(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'), name);

  it('sorts most unseen support messages right, with confidences that mean what they say', async () => {
    const train = read('support-messages.train.jsonl');
    const test = read('support-messages.test.jsonl');
    const [trainVectors, testVectors] = await Promise.all([embedder.embed(train.map((r) => r.text)), embedder.embed(test.map((r) => r.text))]);
    const model = trainCategoryModel(train.map((row, i) => ({ dense: trainVectors[i]!, sparse: textFeatures(row.text), label: row.label })));
    const result = evaluate(
      test.map((row, i) => {
        const [best] = predict(model, { dense: testVectors[i]!, sparse: textFeatures(row.text) });
        return { label: row.label, predicted: best!.label, confidence: best!.probability };
      }),
    );
    // Measured 0.82 accuracy and 0.06 ECE when written, 0.90 since messages in other languages
    // get the English words of what they name; these floors catch a regression.
    expect(result.accuracy).toBeGreaterThan(0.82);
    expect(result.macroF1).toBeGreaterThan(0.72);
    expect(result.calibrationError).toBeLessThan(0.12);
  }, 60_000);
});
