/**
 * Rate limits that hold: each is counted under its own name and key (a client address, an
 * e-mail, an account), so a route can be limited several ways at once: per client and e-mail
 * (one password guessed), per client across e-mails (passwords sprayed), per e-mail across
 * clients (one login attacked from many addresses). Counters live in Redis when it is set, so
 * they hold across replicas. The client address is `request.ip`, which honours X-Forwarded-For
 * only from the proxies TRUST_PROXY names.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import { normaliseEmail } from './schemas.js';

export interface LimitRule {
  max: number;
  /** Milliseconds, or a duration such as '1 minute'. */
  timeWindow: number | string;
  /** What is counted; requests with the same key share the budget. */
  key: (request: FastifyRequest) => string;
}

export class RateLimitedError extends AppError {
  constructor(seconds: number) {
    super(429, 'rate_limited', `Too many attempts, try again in ${seconds} second${seconds === 1 ? '' : 's'}`);
  }
}

/** A preHandler that refuses with 429 (and Retry-After) once the rule's budget is spent. */
export function rateLimit(app: FastifyInstance, name: string, rule: LimitRule) {
  const check = app.createRateLimit({ max: rule.max, timeWindow: rule.timeWindow, keyGenerator: (request) => `${name}|${rule.key(request)}` });
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await check(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('retry-after', String(result.ttlInSeconds));
    throw new RateLimitedError(result.ttlInSeconds);
  };
}

/**
 * A budget of failures rather than requests: `check` (a preHandler) refuses with 429 once `max`
 * failures were counted in the window, without counting anything itself; `count` counts one
 * failure. What succeeds costs nothing, so a busy client that makes no mistakes is never held back.
 */
export function failureLimit(app: FastifyInstance, name: string, rule: LimitRule) {
  const counter = app.createRateLimit({ max: rule.max, timeWindow: rule.timeWindow, keyGenerator: (request) => `${name}|${rule.key(request)}` });
  return {
    async check(request: FastifyRequest, reply: FastifyReply) {
      const result = await counter(request, { increment: false });
      if (result.isAllowed || result.remaining > 0) return;
      reply.header('retry-after', String(result.ttlInSeconds));
      throw new RateLimitedError(result.ttlInSeconds);
    },
    async count(request: FastifyRequest) {
      await counter(request);
    },
  };
}

/** The e-mail of a JSON body, in the one form lookups use, for limits keyed by it. */
export function bodyEmail(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? normaliseEmail(email) : '';
}
