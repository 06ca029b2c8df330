/**
 * The account's access tokens (administrators): created with the token shown once, listed
 * without it, revoked by deleting the row, which ends the token at its next request.
 */
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { accessTokens, users } from '../../db/schema.js';
import { generateAccessToken, type AccessTokenScope } from '../../platform/access-tokens.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';

/** Enough for every integration an account runs; beyond it tokens are forgotten, not used. */
export const MAX_ACCESS_TOKENS = 100;
/** Orders one account's concurrent creations, so the limit holds (other accounts do not wait). */
const CREATE_LOCK = 7_234_013;

export interface NewAccessToken {
  name: string;
  scope: AccessTokenScope;
  /** ISO 8601; omitted: the token does not expire. */
  expiresAt?: string | undefined;
}

const tokenColumns = {
  id: accessTokens.id,
  name: accessTokens.name,
  scope: accessTokens.scope,
  hint: accessTokens.hint,
  createdBy: { id: users.id, name: users.name },
  expiresAt: accessTokens.expiresAt,
  lastUsedAt: accessTokens.lastUsedAt,
  createdAt: accessTokens.createdAt,
};

const selectTokens = (tx: Tx, where: SQL | undefined) =>
  tx.select(tokenColumns).from(accessTokens).innerJoin(users, eq(users.id, accessTokens.createdBy)).where(where);

/** A person who leaves the account takes the tokens they made with them (agents.service `remove`). */
export function deleteAccessTokensCreatedBy(tx: Tx, accountId: number, userId: number) {
  return tx.delete(accessTokens).where(and(eq(accessTokens.accountId, accountId), eq(accessTokens.createdBy, userId)));
}

export function createAccessTokenService({ db }: { db: AppDb }) {
  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => selectTokens(tx, eq(accessTokens.accountId, ctx.accountId)).orderBy(desc(accessTokens.createdAt), desc(accessTokens.id))),

    /** A new token acting as its creator; the answer is the only time the token itself is shown. */
    async create(ctx: TenantContext, input: NewAccessToken) {
      const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new UnprocessableError('invalid_expiry', 'The expiry must be in the future', 'body.expiresAt');
      }
      const { token, tokenHash, hint } = generateAccessToken();
      return withTenant(db, ctx, async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${CREATE_LOCK}, ${ctx.accountId})`);
        const [{ tokens } = { tokens: 0 }] = await tx.select({ tokens: count() }).from(accessTokens).where(eq(accessTokens.accountId, ctx.accountId));
        if (tokens >= MAX_ACCESS_TOKENS) {
          throw new ConflictError('too_many_tokens', `An account has at most ${MAX_ACCESS_TOKENS} access tokens: revoke one that is no longer used first`);
        }
        const [created] = await tx
          .insert(accessTokens)
          .values({ accountId: ctx.accountId, name: input.name.trim(), scope: input.scope, tokenHash, hint, createdBy: ctx.userId, expiresAt })
          .returning({ id: accessTokens.id });
        const [accessToken] = await selectTokens(tx, and(eq(accessTokens.accountId, ctx.accountId), eq(accessTokens.id, created!.id)));
        return { accessToken: accessToken!, token };
      });
    },

    /** Revoking deletes the token: its next request is refused. */
    async revoke(ctx: TenantContext, id: number) {
      const deleted = await withTenant(db, ctx, (tx) =>
        tx
          .delete(accessTokens)
          .where(and(eq(accessTokens.accountId, ctx.accountId), eq(accessTokens.id, id)))
          .returning({ id: accessTokens.id }),
      );
      if (deleted.length === 0) throw new NotFoundError('Access token');
    },
  };
}

export type AccessTokenService = ReturnType<typeof createAccessTokenService>;
