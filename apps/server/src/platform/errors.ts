/**
 * Domain errors, and the one place they (and every other failure) become the HTTP answer
 * `{error:{code, message, requestId}}`. A 5xx never carries internal details.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** The body field the error is about (`body.password`), so a form shows it next to that field. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, message: string, field?: string) {
    super(422, code, message, field);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Only administrators can do this') {
    super(403, 'forbidden', message);
  }
}

/** Fastify's own 4xx errors, by their code, with names a client can rely on. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_BAD_URL: 'bad_url',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

/** Postgres errors that a caller's input can cause (SQLSTATE → answer). */
const POSTGRES_INPUT_ERRORS: Record<string, [number, string, string]> = {
  '23505': [409, 'conflict', 'A record with these values already exists'],
  '23503': [422, 'invalid_reference', 'A referenced record does not exist'],
  '22001': [400, 'value_too_long', 'A value is too long'],
  '22003': [400, 'number_out_of_range', 'A number is out of range'],
  '22007': [400, 'invalid_datetime', 'A date or time is invalid'],
  '22008': [400, 'invalid_datetime', 'A date or time is out of range'],
  '22021': [400, 'invalid_text', 'Text contains characters that cannot be stored (such as NUL)'],
  '22P02': [400, 'invalid_value', 'A value has the wrong format'],
  '22P05': [400, 'invalid_text', 'Text contains characters that cannot be stored (such as NUL)'],
  '54000': [400, 'value_too_large', 'A value is too large'],
};

/** Failures meaning "the database is not reachable now": the client may retry later. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const err = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!err) return false;
  if (err.code && UNAVAILABLE_CODES.has(err.code)) return true;
  // pg's messages when a pooled client's connection died under it (a terminated backend, a
  // restart): the pool drops that client, so the caller's retry gets a working one.
  if (
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|PGlite is closed|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end/i.test(
      err.message ?? '',
    )
  )
    return true;
  return err.cause !== undefined && err.cause !== error && isDatabaseUnavailable(err.cause);
}

/** The SQLSTATE of a Postgres error, also when a driver or Drizzle wrapped it. */
export function postgresCode(error: unknown): string | undefined {
  for (let err = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; err && depth < 4; depth++) {
    if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) return err.code;
    err = err.cause as typeof err;
  }
  return undefined;
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

const FORMAT_MESSAGES: Record<string, string> = {
  email: 'must be an e-mail address',
  'date-time': 'must be a date and time such as 2026-11-26T09:00:00Z',
  date: 'must be a date such as 2026-11-26',
  uri: 'must be a web address',
  uuid: 'must be a UUID',
};

/**
 * Ajv's messages name regular expressions and format keywords; agents read these next to the
 * field in the web app, so a pattern is explained by its schema's description and a format in words.
 */
function plainMessage(issue: ValidationIssue): string {
  const params = issue.params as { format?: string; pattern?: string };
  if (issue.keyword === 'format' && params.format && FORMAT_MESSAGES[params.format]) return FORMAT_MESSAGES[params.format]!;
  if (issue.keyword === 'pattern') {
    if (params.pattern === '\\S') return 'must not be blank';
    const description = (issue as { parentSchema?: { description?: string } }).parentSchema?.description;
    return description ? `must be ${description[0]!.toLowerCase()}${description.slice(1)}` : 'contains characters that are not allowed here';
  }
  return issue.message ?? 'is not valid';
}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

export function toErrorReply(error: unknown, requestId: string): { status: number; body: ErrorBody } {
  const body = (status: number, code: string, message: string, details?: unknown) => ({
    status,
    body: { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } },
  });
  if (error instanceof AppError) {
    return body(error.statusCode, error.code, error.message, error.field ? [{ field: error.field, message: error.message }] : undefined);
  }

  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const details = fastifyError.validation.map((issue) => ({
      field: `${fastifyError.validationContext ?? ''}${issue.instancePath}`.replace(/\//g, '.'),
      message: plainMessage(issue),
      ...(issue.keyword === 'additionalProperties' ? { unknownField: (issue.params as { additionalProperty?: string }).additionalProperty } : {}),
    }));
    const unknown = details.find((detail) => detail.unknownField)?.unknownField;
    const first = details[0];
    const message = unknown
      ? `Unknown field "${unknown}" in ${fastifyError.validationContext ?? 'request'}`
      : first
        ? `${first.field || (fastifyError.validationContext ?? 'request')} ${first.message}`
        : fastifyError.message;
    return body(400, 'validation_error', message, details);
  }
  const pgCode = postgresCode(error);
  const pgInput = pgCode ? POSTGRES_INPUT_ERRORS[pgCode] : undefined;
  if (pgInput) return body(...pgInput);
  if (isDatabaseUnavailable(error)) return body(503, 'service_unavailable', 'The database is unavailable, try again shortly');
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return body(status, FASTIFY_CODES[fastifyError.code] ?? 'bad_request', fastifyError.message);
  }
  return body(500, 'internal_error', 'Something went wrong on our side');
}

/**
 * The error handler. `onDatabaseUnavailable` hears of each request that failed because the
 * database is unreachable (the health monitor then checks at once).
 */
export function createErrorHandler({ onDatabaseUnavailable }: { onDatabaseUnavailable?: () => void } = {}) {
  return function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const { status, body } = toErrorReply(error, request.id);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error.code, status }, body.error.message);
    if (status === 503 && isDatabaseUnavailable(error)) onDatabaseUnavailable?.();
    return reply.status(status).send(body);
  };
}

export const errorHandler = createErrorHandler();

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    error: { code: 'not_found', message: `Route ${request.method} ${request.url.split('?')[0]} not found`, requestId: request.id },
  });
}
