/**
 * Access tokens: long-lived, named credentials an administrator makes for the account's
 * integrations (GitHub's personal access tokens, Chatwoot's access tokens). A token acts as the
 * person who created it, with their current role, for as long as they are a member of the
 * account. Only its SHA-256 is stored: a copy of the database holds no working token, and a
 * plain hash suffices because the token is 256 random bits, with nothing to guess. The `hd_at_`
 * prefix tells the server (and secret scanners) that a bearer is an access token, not a JWT.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { AppDb } from '../db/client.js';
import { accessTokens, accountUsers } from '../db/schema.js';
import { AppError } from './errors.js';
import { enterAccount, runAsApp, type TenantContext } from './tenancy.js';

export const ACCESS_TOKEN_PREFIX = 'hd_at_';
/** The prefix and 32 random bytes in base64url: anything else is refused without a lookup. */
const TOKEN_SHAPE = /^hd_at_[A-Za-z0-9_-]{43}$/;

export type AccessTokenScope = 'read' | 'write';

/** A request made with an access token: the creator's account and role, and what the token allows. */
export interface AccessTokenContext extends TenantContext {
  kind: 'access_token';
  tokenId: number;
  scope: AccessTokenScope;
}

export class AccessTokenError extends AppError {
  constructor(code: 'invalid_token' | 'token_expired', message: string) {
    super(401, code, message);
  }
}

export const isAccessToken = (bearer: string) => bearer.startsWith(ACCESS_TOKEN_PREFIX);

export const hashAccessToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new token, the hash to store and its last four characters (to tell tokens apart in a list). */
export function generateAccessToken() {
  const token = `${ACCESS_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashAccessToken(token), hint: token.slice(-4) };
}

/**
 * The caller behind an access token: it must exist (a revoked token is deleted), not have
 * expired, and its creator must still be a member of the account, whose role it takes. One
 * transaction: the token is found by its hash before the account is known (the policy
 * access_token_by_hash), then the transaction enters that account. `last_used_at` is written
 * at most once a minute, so a busy integration does not write on every request.
 */
export async function resolveAccessToken(db: AppDb, token: string): Promise<AccessTokenContext> {
  if (!TOKEN_SHAPE.test(token)) throw new AccessTokenError('invalid_token', 'The access token is invalid or has been revoked');
  const tokenHash = hashAccessToken(token);
  return runAsApp(db, { lookupAccessToken: tokenHash }, async (tx) => {
    const [found] = await tx
      .select({
        id: accessTokens.id,
        accountId: accessTokens.accountId,
        createdBy: accessTokens.createdBy,
        scope: accessTokens.scope,
        expired: sql<boolean>`coalesce(${accessTokens.expiresAt} <= now(), false)`,
        stale: sql<boolean>`coalesce(${accessTokens.lastUsedAt} < now() - interval '1 minute', true)`,
      })
      .from(accessTokens)
      .where(eq(accessTokens.tokenHash, tokenHash));
    if (!found) throw new AccessTokenError('invalid_token', 'The access token is invalid or has been revoked');
    if (found.expired) throw new AccessTokenError('token_expired', 'The access token has expired: an administrator can create a new one');

    await enterAccount(tx, found.accountId);
    const [creator] = await tx
      .select({ role: accountUsers.role })
      .from(accountUsers)
      .where(and(eq(accountUsers.accountId, found.accountId), eq(accountUsers.userId, found.createdBy)));
    if (!creator) throw new AccessTokenError('invalid_token', 'The access token no longer works: its creator is no longer a member of the account');

    if (found.stale) {
      // The condition again: of concurrent requests, one writes.
      await tx
        .update(accessTokens)
        .set({ lastUsedAt: sql`now()` })
        .where(and(eq(accessTokens.id, found.id), or(isNull(accessTokens.lastUsedAt), lt(accessTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
    }
    return { kind: 'access_token', tokenId: found.id, scope: found.scope, accountId: found.accountId, userId: found.createdBy, role: creator.role };
  });
}
