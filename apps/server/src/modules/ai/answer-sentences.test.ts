/**
 * Choosing the sentences a local draft quotes: the one that states what was asked (a time frame,
 * an amount, a provider, steps), one per part of a two-part question, list items with their
 * lead-in, and table rows. Runs on the real local encoder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../platform/ai/embeddings.js';
import { chunkArticle } from '../knowledge-base/chunking.js';
import { factKindsOf, needsOf, questionParts, contentWords, MAX_PARTS } from './answer-question.js';
import { answerUnits, selectAnswer, type SourceArticle } from './answer-sentences.js';

const RETURNS = `# Returns

## Sending an item back

You can return any unused item within 30 days of delivery. Start the return in your account under Orders > Return item. We email you a prepaid label.

## How long does the refund take

Refunds are processed within 5 business days after your return reaches our warehouse. We always refund to the original payment method. Our warehouse team checks every parcel carefully.

## Paying later

Orders over 50 EUR can be paid in three instalments with Klarna. Instalments have no interest if you pay on time. Payment options are shown at checkout.
`;

const SHIPPING = `# Delivery

Our carriers deliver to most European countries.

| Country | Carrier | Time | Price |
|---|---|---|---|
| Sweden | PostNord | 2-4 business days | 6.90 EUR |
| Germany | DHL | 3-5 business days | 7.90 EUR |

We accept the following payment methods:

- Visa and Mastercard
- PayPal
- Bank transfer for business customers
`;

const article = (articleId: number, title: string, markdown: string): SourceArticle => ({ articleId, title, passages: chunkArticle(markdown) });
type Selection = Awaited<ReturnType<typeof selectAnswer>>;
const quotes = (selection: Selection) => selection.quoted.map((unit) => unit.text).join(' | ');
/** The quote that scored best: the one a draft is built around (quoting it among others is not enough). */
const best = (selection: Selection) => [...selection.quoted].sort((a, b) => b.score - a.score)[0]?.text ?? '';

describe('what a question asks for', () => {
  it('names the kind of fact that answers a question, in the languages customers write in', () => {
    expect([...needsOf('How long does the refund take?')]).toContain('duration');
    expect([...needsOf('Wie lange dauert die Lieferung?')]).toContain('duration');
    expect([...needsOf('Kuinka kauan palautus kestää?')]).toContain('duration');
    expect([...needsOf('How much is express shipping?')]).toContain('amount');
    expect([...needsOf('Vad kostar frakten?')]).toContain('amount');
    expect([...needsOf('¿Cuánto cuesta el envío?')]).toContain('amount');
    expect([...needsOf('Which payment methods do you accept?')]).toContain('name');
    expect([...needsOf('Comment annuler ma commande ?')]).toContain('steps');
    expect([...needsOf('Can I pay in instalments?')]).toContain('policy');
  });

  it('cuts a two-part question into its parts, keeping the context words for both', () => {
    const parts = questionParts('I bought boots. How long does the refund take, and can I pay in instalments?', 'en');
    expect(parts.map((part) => part.text)).toEqual(['How long does the refund take', 'can I pay in instalments?']);
    expect(parts[1]!.words.has(contentWords('boots').values().next().value!)).toBe(true);
  });

  it('answers at most a few parts of a long message, and reads a run of spaces in linear time', () => {
    expect(questionParts('Hi? '.repeat(5_000), 'en')).toHaveLength(MAX_PARTS);
    // A run of whitespace once made the part break backtrack over it from every position (seconds for 20,000 characters).
    expect(questionParts(`How long${' '.repeat(19_998)}and when?`, 'en').map((part) => part.text)).toEqual(['How long']);
    expect(questionParts('Where is my order and when will it arrive?', 'en').map((part) => part.text)).toEqual(['Where is my order', 'when will it arrive?']);
  });

  it('recognises time frames, amounts, names and steps in sentences', () => {
    expect([...factKindsOf('Refunds are processed within 5 business days.')]).toContain('duration');
    expect([...factKindsOf('Express costs 19.90 EUR.')]).toContain('amount');
    expect([...factKindsOf('You can pay with Klarna.')]).toContain('name');
    expect([...factKindsOf('Open Account > Orders and click Cancel.')]).toContain('steps');
    expect(factKindsOf('We always refund to the original payment method.').has('duration')).toBe(false);
  });
});

describe('units of a passage', () => {
  it('keeps list items with their lead-in and table rows whole', () => {
    const units = chunkArticle(SHIPPING).flatMap((passage) => answerUnits(passage));
    expect(units.map((unit) => unit.text)).toContain('Germany DHL 3-5 business days 7.90 EUR');
    expect(units.find((unit) => unit.text === 'PayPal')).toMatchObject({ leadIn: 'We accept the following payment methods:' });
  });
});

describe('choosing the sentences that answer', () => {
  const embedder = createEmbedder();
  afterAll(() => embedder.close());
  const articles = [article(1, 'Returns', RETURNS), article(2, 'Delivery', SHIPPING)];

  it('"how long" quotes the sentence with the time frame', async () => {
    const answer = await selectAnswer(embedder, 'How long until I get my money back after I send the shoes back?', articles);
    expect(best(answer)).toContain('5 business days');
    expect(answer.needsMet).toBe(1);
  });

  it('"can I pay in instalments" quotes the one naming the provider', async () => {
    const answer = await selectAnswer(embedder, 'Can I pay in instalments?', articles);
    expect(best(answer)).toContain('Klarna');
  });

  it('"how much" to a country quotes its table row', async () => {
    const answer = await selectAnswer(embedder, 'How much is delivery to Germany?', articles);
    expect(best(answer)).toBe('Germany DHL 3-5 business days 7.90 EUR');
  });

  it('answers each part of a two-part question', async () => {
    const answer = await selectAnswer(embedder, 'How many days do I have to return an item, and how long does the refund take?', articles);
    expect(quotes(answer)).toContain('30 days');
    expect(quotes(answer)).toContain('5 business days');
  });

  it('embeds a handful of texts for a 20,000-character message of many questions', async () => {
    const embedded: string[] = [];
    const counting = { ...embedder, embed: (texts: string[]) => (embedded.push(...texts), embedder.embed(texts)) };
    const answer = await selectAnswer(counting, 'Hi? '.repeat(5_000), articles);
    expect(answer.parts).toHaveLength(MAX_PARTS);
    const units = articles.flatMap((source) => source.passages.flatMap((passage) => answerUnits(passage)));
    expect(embedded).toHaveLength(MAX_PARTS + units.length);
  });

  it('says when the kind of fact asked for is stated nowhere', async () => {
    const answer = await selectAnswer(
      embedder,
      'How much does a gift card cost?',
      [article(1, 'Returns', RETURNS).passages[0]!].map((passage) => ({ articleId: 1, title: 'Returns', passages: [passage] })),
    );
    expect(answer.needsMet).toBe(0);
  });
});
