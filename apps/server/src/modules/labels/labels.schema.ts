import Type from 'typebox';

export const LabelTitle = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[\\p{L}\\p{N}_-]+$',
  description: 'Letters, digits, `-` and `_` (no spaces), as in Chatwoot',
});
