/** Schemas shared by every route: the error body, id params, timestamps. */
import Type from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable reason, e.g. `not_found`, `validation_error`' }),
      message: Type.String(),
      requestId: Type.String({ description: 'Quote it when reporting a problem; it is in the server logs' }),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { title: 'Error' },
);

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  422: ErrorResponse,
  429: ErrorResponse,
  503: ErrorResponse,
};

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

/** Services return Date objects; the response serializer writes them as ISO 8601 strings. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** A short human text: trimmed length limits keep rows and pages small. */
export const Name = (maxLength = 200) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });

export const Email = Type.String({ format: 'email', maxLength: 254 });

/** The one form of an e-mail that lookups, rate limits and new rows use: trimmed, lower case. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();
