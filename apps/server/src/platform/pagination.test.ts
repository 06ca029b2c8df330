import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { decodeTimeIdCursor, encodeCursor, toPage } from './pagination.js';

describe('cursor pagination', () => {
  it('round-trips a time and id cursor', () => {
    const at = new Date('2026-11-26T10:00:00.123Z');
    expect(decodeTimeIdCursor(encodeCursor([at.toISOString(), 42]))).toEqual({ at, id: 42 });
    expect(decodeTimeIdCursor(undefined)).toBeUndefined();
  });

  it.each([
    ['not base64 json', 'garbage!!'],
    ['wrong shape', encodeCursor([1, 2])],
    ['not a date', encodeCursor(['yesterday', 1])],
    ['fractional id', encodeCursor(['2026-11-26T10:00:00Z', 1.5])],
    ['too many parts', encodeCursor(['2026-11-26T10:00:00Z', 1, 2])],
  ])('rejects a cursor that is %s with 400 invalid_cursor', (_, cursor) => {
    expect(() => decodeTimeIdCursor(cursor)).toThrowError(expect.objectContaining({ statusCode: 400, code: 'invalid_cursor' }) as unknown as AppError);
  });

  it('cuts a page from limit + 1 rows and points at its last row', () => {
    const rows = [1, 2, 3].map((id) => ({ id }));
    expect(toPage(rows, 2, (row) => [row.id])).toEqual({ data: [{ id: 1 }, { id: 2 }], nextCursor: encodeCursor([2]) });
    expect(toPage(rows, 3, (row) => [row.id])).toEqual({ data: rows, nextCursor: null });
  });
});
