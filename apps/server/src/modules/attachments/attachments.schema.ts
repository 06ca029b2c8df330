import Type, { type TObject } from 'typebox';

export const Attachment = Type.Object({
  id: Type.Integer(),
  fileName: Type.String(),
  contentType: Type.String({ description: 'What the bytes are (read from them, not from the name)' }),
  size: Type.Integer({ description: 'Bytes' }),
  url: Type.String({
    description:
      'A signed link to the file on this server, valid for one to two hours (list the messages again for a new one); ' +
      'it needs no token, so it works as an `<img src>`',
  }),
});

export const AttachmentParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** The signed part of an attachment URL; a signature of any other form is simply wrong (403). */
export const SignedQuery = Type.Object({
  account: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  expires: Type.Integer({ minimum: 0, maximum: 2 ** 40, description: 'Seconds since the epoch' }),
  signature: Type.String({ maxLength: 200 }),
});

/**
 * A form's body with files in `attachments`, for the OpenAPI document. Its parts are read in the
 * handler as they stream in (uploads.ts), so the schema has no `type`: Fastify's validation of
 * the body, not read yet at that point, lets it through; the fields are checked once read.
 */
export function formBody(Fields: TObject, limits: { maxBytes: number; maxFiles: number }) {
  return {
    description: `Files in \`attachments\` (at most ${limits.maxFiles}, each at most ${limits.maxBytes} bytes), the text fields beside them`,
    properties: {
      ...Fields.properties,
      attachments: { type: 'array', items: { type: 'string', format: 'binary' }, maxItems: limits.maxFiles },
    },
  };
}
