/**
 * What the hosted models (Claude, OpenAI-compatible) are asked and how their answer is checked.
 * Both get the account's taxonomy with a few examples in a stable system prompt (cacheable), and
 * must answer through one tool whose input is the classification. An answer that does not fit
 * (unknown category, missing field, out-of-range confidence) is refused, and the local model
 * answers instead.
 */
export interface TaxonomyForPrompt {
  name: string;
  description: string;
  examples: string[];
}

export interface RemoteAnswer {
  category: string;
  priority: 'urgent' | 'high' | 'medium' | 'low' | 'none';
  sentiment: 'positive' | 'neutral' | 'negative' | 'frustrated' | 'angry';
  language: string;
  confidence: number;
  reasoning: string;
}

export const TOOL_NAME = 'record_classification';
/** Examples of each category the prompt shows. */
export const PROMPT_EXAMPLES = 3;
const PRIORITIES = ['urgent', 'high', 'medium', 'low', 'none'];
const SENTIMENTS = ['positive', 'neutral', 'negative', 'frustrated', 'angry'];

export function toolSchema(categories: string[]) {
  return {
    type: 'object' as const,
    properties: {
      category: { type: 'string', enum: categories },
      priority: { type: 'string', enum: PRIORITIES },
      sentiment: { type: 'string', enum: SENTIMENTS },
      language: { type: 'string', description: 'ISO 639-1 code of the message language' },
      confidence: { type: 'number', minimum: 0, maximum: 1, description: 'Probability that the category is right' },
      reasoning: { type: 'string', description: 'One or two sentences an agent can check' },
    },
    required: ['category', 'priority', 'sentiment', 'language', 'confidence', 'reasoning'],
  };
}

export function systemPrompt(taxonomy: TaxonomyForPrompt[]): string {
  const categories = taxonomy
    .map(
      (c) =>
        `- ${c.name}: ${c.description || '(no description)'}${
          c.examples.length
            ? `\n  Examples: ${c.examples
                .slice(0, PROMPT_EXAMPLES)
                .map((e) => JSON.stringify(e))
                .join('; ')}`
            : ''
        }`,
    )
    .join('\n');
  return [
    'You triage customer-support messages for a helpdesk. Classify the message with the record_classification tool, and nothing else.',
    `Categories (use exactly one of these names):\n${categories}`,
    'Priority: urgent for outages, security, legal or chargeback threats; high for money taken wrongly, angry or repeated contact; medium for ordinary problems; low for questions and ideas; none for thanks.',
    'Sentiment: positive, neutral, negative, frustrated or angry. Confidence: your probability (0 to 1) that the category is right; be honest, not optimistic.',
  ].join('\n\n');
}

/** The tool input, if it is a classification into this taxonomy; otherwise why not. */
export function checkAnswer(input: unknown, categories: string[]): RemoteAnswer | string {
  const answer = input as Partial<RemoteAnswer> | undefined;
  if (!answer || typeof answer !== 'object') return 'no tool input';
  if (typeof answer.category !== 'string' || !categories.includes(answer.category)) return `unknown category ${JSON.stringify(answer.category)}`;
  if (!PRIORITIES.includes(answer.priority as string)) return `bad priority ${JSON.stringify(answer.priority)}`;
  if (!SENTIMENTS.includes(answer.sentiment as string)) return `bad sentiment ${JSON.stringify(answer.sentiment)}`;
  if (typeof answer.confidence !== 'number' || !(answer.confidence >= 0 && answer.confidence <= 1)) return 'confidence out of range';
  if (typeof answer.language !== 'string' || !/^[a-z]{2}$/.test(answer.language)) return `bad language ${JSON.stringify(answer.language)}`;
  if (typeof answer.reasoning !== 'string' || answer.reasoning.length === 0) return 'no reasoning';
  return { ...(answer as RemoteAnswer), reasoning: answer.reasoning.slice(0, 1_000) };
}
