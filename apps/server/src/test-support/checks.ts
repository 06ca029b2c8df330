/** Small assertions and tools shared by the black-box API tests (no mocks: real app, real DB). */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { call, type Session } from './app.js';

export interface Answer {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/**
 * The contract's error answer: the given 4xx (or 5xx) status, `{error:{code, message, requestId}}`
 * with string fields, the request id echoed in `x-request-id`, and no stack trace anywhere.
 */
export function expectError(response: Answer, status: number, code?: string, label = ''): void {
  const where = `${label} ${response.status} ${JSON.stringify(response.body)?.slice(0, 500)}`;
  expect(response.status, where).toBe(status);
  expect(response.body, where).toBeTypeOf('object');
  const error = response.body.error;
  expect(error, where).toBeTypeOf('object');
  expect(error.code, where).toBeTypeOf('string');
  expect(error.message, where).toBeTypeOf('string');
  expect(error.requestId, where).toBeTypeOf('string');
  expect(error.requestId.length, where).toBeGreaterThan(0);
  expect(error.requestId, where).toBe(response.headers['x-request-id']);
  if (code !== undefined) expect(error.code, where).toBe(code);
  const text = JSON.stringify(response.body);
  expect(text, where).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+/);
  expect(response.headers['content-type'], where).toMatch(/application\/json/);
}

/** Every row of a cursor-paged list endpoint (`{data, nextCursor}`), following the cursors. */
export async function listAll<T = any>(app: FastifyInstance, session: Session, url: string): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  const separator = url.includes('?') ? '&' : '?';
  for (let pages = 0; pages < 1000; pages++) {
    const page: Answer = await call(app, session, {
      method: 'GET',
      url: `${url}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    });
    expect(page.status, `${url}: ${JSON.stringify(page.body)}`).toBe(200);
    rows.push(...page.body.data);
    cursor = page.body.nextCursor;
    if (!cursor) return rows;
  }
  throw new Error(`${url}: more than 1000 pages`);
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An HS256 JWT signed with any secret: forged tokens, or already-expired ones, for the tests. */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const head = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** The claims of a JWT, unverified (to look at what the server put in it). */
export function decodeJwt(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Snoozes the conversation until `ms` from now and answers that moment. The server refuses a
 * moment already past (422 invalid_snooze): should the request arrive only after it (a loaded
 * machine), it is made again with twice the time, so the snooze is set whatever the timing.
 */
export async function snoozeSoon(app: FastifyInstance, session: Session, conversationId: number, ms: number): Promise<Date> {
  for (let ahead = ms; ; ahead *= 2) {
    const until = new Date(Date.now() + ahead);
    const answer: Answer = await call(app, session, {
      method: 'PATCH',
      url: `/api/conversations/${conversationId}`,
      payload: { snoozedUntil: until.toISOString() },
    });
    if (answer.status === 200) {
      expect(answer.body.conversation).toMatchObject({ id: conversationId, status: 'snoozed', snoozedUntil: until.toISOString() });
      return until;
    }
    expectError(answer, 422, 'invalid_snooze', `snoozing ${ahead} ms ahead`);
    if (ahead > 60_000) throw new Error(`every snooze moment had passed before the server saw it (the last ${ahead} ms ahead)`);
  }
}

/** Waiting for a state (polling, never a fixed sleep): see eventually.ts. */
export { eventually, eventuallyFound, type EventuallyOptions } from './eventually.js';
