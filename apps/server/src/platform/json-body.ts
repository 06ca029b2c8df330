/**
 * The API reads JSON bodies only (a text/plain body is a 415, not a string that then fails
 * validation), through Fastify's prototype-poisoning-safe parser, with two differences:
 * - an empty body with `Content-Type: application/json` (the brief's `curl -X POST -H ...`
 *   demo call) is no body, not malformed JSON;
 * - JSON can escape a lone surrogate (`"\ud800"`), which no database text can hold: the drivers
 *   would silently store U+FFFD instead, so it is refused.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

const LONE_SURROGATE = /\p{Cs}/u;

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
    parseJson(request, body, (error, value) => {
      if (error) return done(error, undefined);
      if (body.includes('\\u') && hasLoneSurrogate(value)) {
        return done(new AppError(400, 'invalid_text', 'Text contains an unpaired UTF-16 surrogate (\\ud800-\\udfff)'), undefined);
      }
      done(null, value);
    });
  });
}
