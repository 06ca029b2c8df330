import Type from 'typebox';
import { Timestamp } from '../../platform/schemas.js';
import { Priority } from '../conversations/conversations.schema.js';

export const Classification = Type.Object({
  messageId: Type.Optional(Type.Integer()),
  category: Type.String(),
  priority: Type.String({ description: 'urgent | high | medium | low | none' }),
  sentiment: Type.String({ description: 'positive | neutral | negative | frustrated | angry' }),
  language: Type.String({ description: "ISO 639-1, or 'und' when there is nothing to tell by" }),
  confidence: Type.Number({ minimum: 0, maximum: 1, description: 'Calibrated: of classifications at 0.9, about 90 % are right' }),
  reasoning: Type.String(),
  suggestedTeamId: Type.Union([Type.Integer(), Type.Null()]),
  suggestedAgentId: Type.Union([Type.Integer(), Type.Null()]),
  processingTime: Type.String({ description: 'e.g. "23ms"' }),
  provider: Type.String(),
  createdAt: Type.Optional(Timestamp),
});

export const ClassifyBody = Type.Object(
  { text: Type.String({ maxLength: 100_000, description: 'The message to classify; nothing is stored' }) },
  { additionalProperties: false },
);

const CategoryName = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[\\p{L}\\p{N}_ -]*[\\p{L}\\p{N}_-][\\p{L}\\p{N}_ -]*$',
  description: 'Letters, digits, spaces, `-` and `_`, not only spaces',
});

export const TaxonomyCategory = Type.Object(
  {
    name: CategoryName,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    teamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()])),
    examples: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2_000, pattern: '\\S' }), { maxItems: 5_000 })),
  },
  { additionalProperties: false },
);

export const Training = Type.Object({
  status: Type.String({ description: 'idle | training | ready | failed' }),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
});

export const Taxonomy = Type.Object({
  categories: Type.Array(
    Type.Object({ name: Type.String(), description: Type.String(), teamId: Type.Union([Type.Integer(), Type.Null()]), examples: Type.Array(Type.String()) }),
  ),
  training: Training,
});

export const PutTaxonomyBody = Type.Object({ categories: Type.Array(TaxonomyCategory, { minItems: 2, maxItems: 200 }) }, { additionalProperties: false });

export const CorrectionBody = Type.Object(
  {
    category: Type.Optional(CategoryName),
    priority: Type.Optional(Priority),
    sentiment: Type.Optional(
      Type.Union([Type.Literal('positive'), Type.Literal('neutral'), Type.Literal('negative'), Type.Literal('frustrated'), Type.Literal('angry')]),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Draft = Type.Object({
  id: Type.Integer(),
  conversationId: Type.Integer(),
  messageId: Type.Integer({ description: 'The customer message it answers' }),
  content: Type.String(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  reasoning: Type.String(),
  knowledgeBaseSources: Type.Array(
    Type.Object({
      articleId: Type.Integer(),
      title: Type.String(),
      similarity: Type.Number({ description: 'Cosine similarity of its best passage to the message' }),
    }),
  ),
  generationTime: Type.String({ description: 'e.g. "1.5s" or "240ms"' }),
  provider: Type.String({ description: 'local (extractive), anthropic or openai' }),
  outcome: Type.String({ description: 'proposed | accepted (sent as is) | edited (sent changed) | discarded' }),
  editRatio: Type.Union([Type.Number(), Type.Null()], { description: 'For a sent draft: edit distance / length (0 = unchanged)' }),
  sentMessageId: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Timestamp,
});

export const DraftRequestBody = Type.Object(
  { messageId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A customer (incoming) message' }) },
  { additionalProperties: false },
);

export const SendDraftBody = Type.Object(
  {
    content: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100_000, pattern: '\\S', description: "The agent's edited text; omit to send the draft as it is" }),
    ),
    private: Type.Optional(Type.Boolean({ description: 'Send it as a private note instead' })),
  },
  { additionalProperties: false },
);
