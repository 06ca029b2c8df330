import Type from 'typebox';
import { Timestamp } from '../../platform/schemas.js';

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
