/**
 * Keyset (cursor) pagination: the cursor is the sort key of the last row returned, so a page
 * costs the same at row 50 and at row 500,000, and rows inserted meanwhile do not shift pages.
 */
import Type from 'typebox';
import { BadRequestError } from './errors.js';

export const CursorQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 25 }),
};

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor made of a timestamp and an id; anything else is a 400. */
export function decodeTimeIdCursor(cursor: string | undefined): { at: Date; id: number } | undefined {
  return decodeTimeKey(cursor, (id): id is number => Number.isSafeInteger(id));
}

/** The same with a text id (a UUID). */
export function decodeTimeTextIdCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  return decodeTimeKey(cursor, (id): id is string => typeof id === 'string' && id.length <= 100);
}

function decodeTimeKey<Id>(cursor: string | undefined, isId: (id: unknown) => id is Id): { at: Date; id: Id } | undefined {
  return decodeCursor(cursor, (key) => {
    if (key.length !== 2 || typeof key[0] !== 'string' || !isId(key[1])) return undefined;
    const at = new Date(key[0]);
    return Number.isNaN(at.getTime()) ? undefined : { at, id: key[1] };
  });
}

/**
 * Decodes a cursor that `encodeCursor` made: `read` turns its key into what the query needs, or
 * undefined when the key is not one this query makes. Anything else is a 400 saying `message`.
 */
export function decodeCursor<T>(
  cursor: string | undefined,
  read: (key: unknown[]) => T | undefined,
  message = 'The cursor is not one this API returned',
): T | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // not JSON: the error below
  }
  const value = Array.isArray(key) ? read(key) : undefined;
  if (value === undefined) throw new BadRequestError('invalid_cursor', message);
  return value;
}

/** Given `limit + 1` rows, returns the page and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]): Page<T> {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
