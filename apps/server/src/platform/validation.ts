/**
 * Request validation. Bodies are validated strictly: no type coercion and unknown fields
 * rejected (a typo in a field name is a 400, not silently ignored). Query strings and params
 * arrive as text, so they are coerced to the declared types.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';

function makeAjv(options: Options) {
  // verbose: each error carries its schema, whose description lets errors.ts say what is allowed.
  const ajv = new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, verbose: true, ...options });
  addFormats.default(ajv);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false, strict: false });
  const coercing = makeAjv({ coerceTypes: 'array', strict: false });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
