/**
 * The API reads JSON bodies only (a text/plain body is a 415, not a string that then fails
 * validation), through Fastify's prototype-poisoning-safe parser, with two differences:
 * - an empty body with `Content-Type: application/json` (the brief's `curl -X POST -H ...`
 *   demo call) is no body, not malformed JSON;
 * - JSON can escape a lone surrogate (`"\ud800"`), which no database text can hold: the drivers
 *   would silently store U+FFFD instead, so it is refused;
 * - nesting deeper than MAX_JSON_DEPTH is refused before parsing: no resource of the API nests
 *   that deep, and code that walks a value recursively (drivers, serialisers) would overflow
 *   the stack on thousands of levels (a 10 KB body can hold 5,000).
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

const LONE_SURROGATE = /\p{Cs}/u;
export const MAX_JSON_DEPTH = 32;

/** Whether the JSON text nests arrays and objects deeper than `limit` (strings are skipped). */
export function nestsDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(item));
  }
  return false;
}

export function useJsonBodies(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const body = raw as string;
    if (body === '') return done(null, undefined);
    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      return done(new AppError(400, 'too_deep', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    // Fastify's parser answers through its callback (its return value carries nothing).
    void parseJson(request, body, (error, value) => {
      if (error) return done(error, undefined);
      if (body.includes('\\u') && hasLoneSurrogate(value)) {
        return done(new AppError(400, 'invalid_text', 'Text contains an unpaired UTF-16 surrogate (\\ud800-\\udfff)'), undefined);
      }
      done(null, value);
    });
  });
}
