/**
 * Tenant isolation, layer 2 (request): the JWT names the user and the account; membership and
 * role are checked against the database once per request and put on `request.auth`.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { AppDb } from '../db/client.js';
import { accountUsers, userSessions } from '../db/schema.js';
import { AppError, ForbiddenError } from './errors.js';
import { withTenant, type TenantContext } from './tenancy.js';

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

/** An authenticated caller: who, in which account, with which role, through which session. */
export interface SessionContext extends TenantContext {
  sessionId: string;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
}

export class SessionEndedError extends AppError {
  constructor(message = 'Your session has ended or you are no longer a member of this account; log in again') {
    super(401, 'session_ended', message);
  }
}

/**
 * The caller behind verified token claims: the token must carry a session and an expiry, the
 * session must be active and the user still a member of the account. One query, so it costs a
 * request what the membership check alone cost.
 */
export async function resolveSession(db: AppDb, claims: TokenClaims): Promise<SessionContext> {
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
  const [member] = await withTenant(db, { accountId: claims.acc, userId }, (tx) =>
    tx
      .select({ role: accountUsers.role })
      .from(accountUsers)
      .innerJoin(userSessions, eq(userSessions.userId, accountUsers.userId))
      .where(
        and(
          eq(accountUsers.accountId, claims.acc),
          eq(accountUsers.userId, userId),
          eq(userSessions.id, claims.sid),
          isNull(userSessions.revokedAt),
          gt(userSessions.expiresAt, sql`now()`),
        ),
      ),
  );
  if (!member) throw new SessionEndedError();
  return { accountId: claims.acc, userId, role: member.role, sessionId: claims.sid, expiresAt: claims.exp * 1000 };
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: SessionContext;
  }
  interface FastifyInstance {
    /** preHandler: requires a valid token of a current member of the account. */
    authenticate(request: FastifyRequest): Promise<void>;
    /** preHandler: as `authenticate`, and the member must be an administrator. */
    requireAdmin(request: FastifyRequest): Promise<void>;
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

async function authPlugin(app: FastifyInstance, options: { db: AppDb; secret: string; expiresInSeconds: number }) {
  await app.register(fastifyJwt, { secret: options.secret, sign: { expiresIn: options.expiresInSeconds } });
  app.decorateRequest('auth', null as unknown as SessionContext);

  app.decorate('authenticate', async (request: FastifyRequest) => {
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

  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    await app.authenticate(request);
    if (request.auth.role !== 'administrator') throw new ForbiddenError();
  });
}

export default fp(authPlugin, { name: 'auth' });
