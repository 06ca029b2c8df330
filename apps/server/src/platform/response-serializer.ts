/**
 * Responses serialised without validating on the way out. fast-json-stringify (Fastify's
 * serialiser) writes an `anyOf` by validating the value against each branch with Ajv until one
 * fits: a date-time format checked by regular expression, a status compared with each literal,
 * for every field of every row. Most of our unions are of two shapes that a plain schema writes
 * the same, by `typeof` alone:
 * - literals of one type (`Type.Union([Type.Literal('open'), ...])`) → `{ type, enum }`;
 * - a value or null (`Type.Union([X, Type.Null()])`) → X with `type: [X's type, 'null']`.
 * The serialiser compiles a rewritten copy; the route schemas (request validation, OpenAPI at
 * /docs) stay as written. Other unions keep their anyOf. Measured on the inbox page: README,
 * "Benchmarks".
 */
import type { FastifySchema, FastifySerializerCompiler } from 'fastify';
import fastJsonStringify, { type Schema } from 'fast-json-stringify';

type JsonSchema = Record<string, unknown>;

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords a branch may carry besides its type and still be merged into a plain schema. */
const COMPOSING = ['anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref'];
const isPlain = (branch: JsonSchema) => typeof branch.type === 'string' && !COMPOSING.some((keyword) => keyword in branch);
const isNull = (branch: JsonSchema) => branch.type === 'null' && Object.keys(branch).every((key) => key === 'type' || key === 'description');

/** One anyOf as a plain schema, or undefined when it has another shape. */
function plainUnion(siblings: JsonSchema, branches: JsonSchema[]): JsonSchema | undefined {
  const values = branches.filter((branch) => !isNull(branch));
  const nullable = values.length < branches.length;
  if (values.length === 0 || !values.every(isPlain)) return undefined;
  const type = values[0]!.type as string;
  let merged: JsonSchema;
  if (values.every((branch) => 'const' in branch && branch.type === type)) {
    merged = { type, enum: values.map((branch) => branch.const) };
  } else if (values.length === 1) {
    merged = { ...values[0] };
  } else return undefined;
  return { ...siblings, ...merged, ...(nullable ? { type: [type, 'null'] } : {}) };
}

/** A copy of `schema` with the unions that can be plain made plain, at every depth. */
export function withoutBranchValidation(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutBranchValidation);
  if (!isObject(schema)) return schema;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    // `properties` maps names to schemas; `enum`, `const`, `default` and `examples` are values.
    if (key === 'properties' && isObject(value)) {
      copy[key] = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, withoutBranchValidation(property)]));
    } else if (['enum', 'const', 'default', 'examples'].includes(key)) copy[key] = value;
    else copy[key] = withoutBranchValidation(value);
  }
  if (!Array.isArray(copy.anyOf)) return copy;
  const { anyOf, ...siblings } = copy;
  return plainUnion(siblings, anyOf as JsonSchema[]) ?? copy;
}

export const responseSerializerCompiler: FastifySerializerCompiler<FastifySchema> = ({ schema }) =>
  fastJsonStringify(withoutBranchValidation(schema) as Schema);
