/**
 * Tenant isolation, layer 3 (data access). Every query of the application runs inside one of
 * these transactions: the role is switched to hummdesk_app (so row-level security applies even
 * when the pool is connected as the owner) and the account is set transaction-locally, so it
 * can never leak to the next transaction on the same pooled connection.
 */
import { sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../db/client.js';

export const APP_ROLE = 'hummdesk_app';

export type AccountRole = 'administrator' | 'agent';

/** Who is calling and for which account: resolved once per request or job, then passed on. */
export interface TenantContext {
  accountId: number;
  userId: number;
  role: AccountRole;
}

export interface AppScope {
  accountId?: number;
  userId?: number;
  /** Makes the one user with this e-mail visible (login, invitations). */
  lookupEmail?: string;
  /** Makes the one account with this slug visible (the public demo endpoint). */
  lookupAccountSlug?: string;
  /** Makes the one invitation with this token hash visible (accepting it). */
  lookupInvitation?: string;
  /** Makes the one access token with this hash visible (authenticating an integration's request). */
  lookupAccessToken?: string;
  /** Makes the one inbox with this public identifier visible (the public client API, the widget). */
  lookupInbox?: string;
  /** Makes the one e-mail inbox of this address (lower-case) visible (the SMTP listener). */
  lookupEmailAddress?: string;
}

export function runAsApp<T>(db: AppDb, scope: AppScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select
      set_config('role', ${APP_ROLE}, true),
      set_config('app.current_account_id', ${scope.accountId?.toString() ?? ''}, true),
      set_config('app.current_user_id', ${scope.userId?.toString() ?? ''}, true),
      set_config('app.lookup_email', ${scope.lookupEmail ?? ''}, true),
      set_config('app.lookup_account_slug', ${scope.lookupAccountSlug ?? ''}, true),
      set_config('app.lookup_invitation', ${scope.lookupInvitation ?? ''}, true),
      set_config('app.lookup_access_token', ${scope.lookupAccessToken ?? ''}, true),
      set_config('app.lookup_inbox', ${scope.lookupInbox ?? ''}, true),
      set_config('app.lookup_email_address', ${scope.lookupEmailAddress ?? ''}, true)`);
    return work(tx);
  });
}

/** Runs `work` in one transaction that sees only the rows of `scope.accountId`. */
export function withTenant<T>(db: AppDb, scope: { accountId: number; userId?: number }, work: (tx: Tx) => Promise<T>): Promise<T> {
  return runAsApp(db, scope, work);
}

/** Switches an open transaction to an account it has just created (registration). */
export async function enterAccount(tx: Tx, accountId: number): Promise<void> {
  await tx.execute(sql`select set_config('app.current_account_id', ${accountId.toString()}, true)`);
}

/** The part of a tenant context that a token alone establishes. */
export type TokenScope = Pick<TenantContext, 'accountId' | 'userId'>;
