/**
 * Tenant isolation, layer 2 (request): the JWT names the user and the account; membership and
 * role are checked against the database once per request and put on `request.auth`.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { and, eq } from 'drizzle-orm';
import type { AppDb } from '../db/client.js';
import { accountUsers } from '../db/schema.js';
import { AppError, ForbiddenError } from './errors.js';
import { withTenant, type TenantContext } from './tenancy.js';

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** Account the token acts in. */
  acc: number;
  /** Present only on invitation tokens, which are not accepted by the API. */
  purpose?: 'invitation';
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: TenantContext;
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

const JWT_ERRORS: Record<string, [ 'token_expired' | 'invalid_token' | 'unauthorized', string]> = {
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: ['token_expired', 'The token has expired, log in again'],
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: ['unauthorized', 'Authentication required: send Authorization: Bearer <token>'],
  FST_JWT_BAD_REQUEST: ['unauthorized', 'Authentication required: send Authorization: Bearer <token>'],
};

async function authPlugin(app: FastifyInstance, options: { db: AppDb; secret: string; expiresIn: string }) {
  await app.register(fastifyJwt, { secret: options.secret, sign: { expiresIn: options.expiresIn } });
  app.decorateRequest('auth', null as unknown as TenantContext);

  app.decorate('authenticate', async (request: FastifyRequest) => {
    let claims: TokenClaims;
    try {
      claims = await request.jwtVerify<TokenClaims>();
    } catch (error) {
      const known = JWT_ERRORS[(error as { code?: string }).code ?? ''];
      throw new TokenError(...(known ?? (['invalid_token', 'The token is invalid'] as const)));
    }
    const userId = Number(claims.sub);
    if (claims.purpose || !Number.isSafeInteger(userId) || !Number.isSafeInteger(claims.acc)) {
      throw new TokenError('invalid_token', 'The token is invalid');
    }
    const membership = await withTenant(options.db, { accountId: claims.acc, userId }, (tx) =>
      tx
        .select({ role: accountUsers.role })
        .from(accountUsers)
        .where(and(eq(accountUsers.accountId, claims.acc), eq(accountUsers.userId, userId))),
    );
    const role = membership[0]?.role;
    if (!role) throw new TokenError('unauthorized', 'You are no longer a member of this account');
    request.auth = { accountId: claims.acc, userId, role };
    request.log = request.log.child({ accountId: claims.acc, userId });
  });

  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    await app.authenticate(request);
    if (request.auth.role !== 'administrator') throw new ForbiddenError();
  });
}

export default fp(authPlugin, { name: 'auth' });
