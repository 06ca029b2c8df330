/**
 * Tenant isolation, layer 2 (request): the bearer token names the user and the account, a
 * session's JWT or an integration's access token (access-tokens.ts); membership and role are
 * checked against the database once per request and put on `request.auth`.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { openTransaction, queryInScope, type AppDb } from '../db/client.js';
import { AccessTokenError, hashAccessToken, isAccessToken, resolveAccessToken, type AccessTokenContext } from './access-tokens.js';
import { AppError, ForbiddenError } from './errors.js';
import { failureLimit, rateLimit } from './rate-limits.js';
import { enterScopeSql, idLiteral, offerTransaction, textLiteral, type AccountRole, type TenantContext } from './tenancy.js';

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** Account the token acts in. */
  acc: number;
  /** The session the token belongs to: revoking it ends the token at once. */
  sid: string;
  /** Expiry (seconds since the epoch); a token without one is refused. */
  exp?: number;
}

/** A signed-in person: who, in which account, with which role, through which session. */
export interface SessionContext extends TenantContext {
  kind: 'session';
  sessionId: string;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
}

/** Whoever a request is authenticated as: a signed-in person, or an integration's access token. */
export type CallerContext = SessionContext | AccessTokenContext;

/** Refused to an access token: what only a signed-in person does (their password, sessions, tokens). */
export class SessionRequiredError extends AppError {
  constructor() {
    super(403, 'session_required', 'Only a signed-in person can do this, not an access token');
  }
}

/** The caller as a signed-in person, for the routes that make sense only for one. */
export function sessionOf(request: FastifyRequest): SessionContext {
  if (request.auth.kind !== 'session') throw new SessionRequiredError();
  return request.auth;
}

/**
 * Whether the caller may see the account's secrets (an inbox's, which forges any customer's
 * identity, and a webhook's, which forges deliveries): an administrator signed in as a person.
 * Never an access token, not even an administrator's: a leaked token stays an integration's
 * reach, not the keys of the account. (Rotating one is `sessionOf` behind `requireAdmin`: the same rule.)
 */
export const maySeeSecrets = (caller: CallerContext) => caller.kind === 'session' && caller.role === 'administrator';

export class SessionEndedError extends AppError {
  constructor(message = 'Your session has ended or you are no longer a member of this account; log in again') {
    super(401, 'session_ended', message);
  }
}

/**
 * The caller behind verified token claims: the token must carry a session and an expiry, the
 * session must be active and the user still a member of the account. The check is the first
 * statement of the request's tenant transaction, sent with its BEGIN and settings in one round
 * trip; the transaction is then offered to the handler's first `withTenant` (tenancy.ts), so an
 * authenticated read costs that round trip, its query and the COMMIT. A caller with no handler
 * to follow (a socket's check) passes `offer: false`: the check is then a transaction of its own,
 * ended in the same round trip.
 */
export async function resolveSession(db: AppDb, claims: TokenClaims, { offer = true }: { offer?: boolean } = {}): Promise<SessionContext> {
  const userId = Number(claims.sub);
  if (
    !Number.isSafeInteger(userId) ||
    !Number.isSafeInteger(claims.acc) ||
    typeof claims.sid !== 'string' ||
    claims.sid.length === 0 ||
    claims.sid.length > 64 ||
    typeof claims.exp !== 'number'
  ) {
    throw new TokenError('invalid_token', 'The token is invalid');
  }
  const setup = enterScopeSql({ accountId: claims.acc, userId });
  const check = membershipSql(claims.acc, userId, claims.sid);
  const held = offer ? await openTransaction(db, setup, check) : undefined;
  const [member] = (held ? held.rows : await queryInScope(db, setup, check)) as { role: AccountRole }[];
  if (!member) {
    // The caller hears that the session ended, whatever became of the rollback.
    await held?.end().catch(() => undefined);
    throw new SessionEndedError();
  }
  const caller: SessionContext = { kind: 'session', accountId: claims.acc, userId, role: member.role, sessionId: claims.sid, expiresAt: claims.exp * 1000 };
  if (held) offerTransaction(db, caller, held);
  return caller;
}

/** The member's role if the session is active; SQL text with its values inline (see `enterScopeSql`). */
function membershipSql(accountId: number, userId: number, sessionId: string) {
  return `select account_users.role from account_users
    join user_sessions on user_sessions.user_id = account_users.user_id
    where account_users.account_id = ${idLiteral(accountId)} and account_users.user_id = ${idLiteral(userId)}
      and user_sessions.id = ${textLiteral(sessionId)} and user_sessions.revoked_at is null and user_sessions.expires_at > now()`;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: CallerContext;
  }
  interface FastifyInstance {
    /** preHandler: requires a valid session token or access token of a current member of the account. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** preHandler: as `authenticate`, and the member must be an administrator. */
    requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
}

class TokenError extends AppError {
  constructor(code: 'token_expired' | 'invalid_token' | 'unauthorized', message: string) {
    super(401, code, message);
  }
}

const JWT_ERRORS: Record<string, ['token_expired' | 'invalid_token' | 'unauthorized', string]> = {
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: ['token_expired', 'The token has expired, log in again'],
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: ['unauthorized', 'Authentication required: send Authorization: Bearer <token>'],
  FST_JWT_BAD_REQUEST: ['unauthorized', 'Authentication required: send Authorization: Bearer <token>'],
};

const BEARER = /^Bearer (\S+)$/i;
/** The token of an `Authorization: Bearer <token>` header (the scheme in any case, as RFC 7235 has it), or undefined. */
export const bearerOf = (header: string | undefined) => BEARER.exec(header ?? '')?.[1];
/** What a `read` access token may do. */
const READ_METHODS = new Set(['GET', 'HEAD']);
/** Unknown or revoked access tokens one client address may send a minute, before it is refused without a lookup. */
export const FAILED_ACCESS_TOKENS_PER_MINUTE = 30;

async function authPlugin(app: FastifyInstance, options: { db: AppDb; secret: string; expiresInSeconds: number; accessTokenRateLimit: number }) {
  await app.register(fastifyJwt, { secret: options.secret, sign: { expiresIn: options.expiresInSeconds } });
  app.decorateRequest<CallerContext | null>('auth', null);

  /**
   * Each access token has its own budget a minute, counted before the database is asked (by the
   * token's hash), so an integration stuck in a loop costs no queries once it is over.
   */
  const accessTokenBudget = rateLimit(app, 'access-token', {
    max: options.accessTokenRateLimit,
    timeWindow: '1 minute',
    key: (request) => hashAccessToken(bearerOf(request.headers.authorization) ?? ''),
  });

  /**
   * The per-token budget alone would give every made-up token a fresh budget and a query: a
   * client address that sent too many unknown tokens is refused before either.
   */
  const failedLookups = failureLimit(app, 'access-token-failures', {
    max: FAILED_ACCESS_TOKENS_PER_MINUTE,
    timeWindow: '1 minute',
    key: (request) => request.ip,
  });

  async function authenticateAccessToken(request: FastifyRequest, reply: FastifyReply, token: string) {
    await failedLookups.check(request, reply);
    await accessTokenBudget(request, reply);
    const caller = await resolveAccessToken(options.db, token).catch(async (error: unknown) => {
      // An expired token is a real one (its integration needs a new one), not a guess.
      if (error instanceof AccessTokenError && error.code === 'invalid_token') await failedLookups.count(request);
      throw error;
    });
    if (caller.scope === 'read' && !READ_METHODS.has(request.method)) {
      throw new AppError(403, 'insufficient_scope', 'This access token may only read (GET): an administrator can create a write token');
    }
    request.auth = caller;
    request.log = request.log.child({ accountId: caller.accountId, userId: caller.userId, accessTokenId: caller.tokenId });
  }

  app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    const bearer = bearerOf(request.headers.authorization);
    if (bearer !== undefined && isAccessToken(bearer)) return authenticateAccessToken(request, reply, bearer);
    let claims: TokenClaims;
    try {
      claims = await request.jwtVerify<TokenClaims>();
    } catch (error) {
      const known = JWT_ERRORS[(error as { code?: string }).code ?? ''];
      throw new TokenError(...(known ?? (['invalid_token', 'The token is invalid'] as const)));
    }
    request.auth = await resolveSession(options.db, claims);
    request.log = request.log.child({ accountId: request.auth.accountId, userId: request.auth.userId });
  });

  app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    await app.authenticate(request, reply);
    if (request.auth.role !== 'administrator') throw new ForbiddenError();
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['@fastify/rate-limit'] });
