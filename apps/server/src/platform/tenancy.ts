/**
 * Tenant isolation, layer 3 (data access). Every query of the application runs inside one of
 * these transactions: the role is switched to hummdesk_app (so row-level security applies even
 * when the pool is connected as the owner) and the account is set transaction-locally, so it
 * can never leak to the next transaction on the same pooled connection.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openTransaction, type AppDb, type HeldTransaction, type Tx } from '../db/client.js';
import { BadRequestError } from './errors.js';

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

/** The settings behind each lookup of `AppScope`: set only when the scope has one. */
const LOOKUP_SETTINGS = {
  lookupEmail: 'app.lookup_email',
  lookupAccountSlug: 'app.lookup_account_slug',
  lookupInvitation: 'app.lookup_invitation',
  lookupAccessToken: 'app.lookup_access_token',
  lookupInbox: 'app.lookup_inbox',
  lookupEmailAddress: 'app.lookup_email_address',
} as const satisfies Record<Exclude<keyof AppScope, 'accountId' | 'userId'>, string>;

/** An id as SQL text: only a safe integer gets in (the empty string when there is none). */
export function idLiteral(id: number | undefined): string {
  if (id === undefined) return "''";
  if (!Number.isSafeInteger(id)) throw new TypeError(`Not an id: ${id}`);
  return `'${id}'`;
}

/** A string as an SQL literal; a NUL (which Postgres text cannot hold) is refused, not cut short. */
export function textLiteral(value: string): string {
  if (value.includes('\0')) throw new BadRequestError('invalid_text', 'Text with a NUL character is not accepted');
  return pg.escapeLiteral(value);
}

/**
 * The statement that enters a scope, its values inline (it goes with BEGIN in one round trip,
 * without bind parameters): ids checked as integers, text escaped. The role, account and user
 * are always set (empty when absent); a lookup only when the scope has one. An unset lookup reads
 * as NULL in the policies, exactly as an empty one (`nullif(current_setting(name, true), '')`),
 * so leaving it out never shows more. Every value is transaction-local (`true`).
 */
export function enterScopeSql(scope: AppScope): string {
  const settings = [
    `set_config('role', '${APP_ROLE}', true)`,
    `set_config('app.current_account_id', ${idLiteral(scope.accountId)}, true)`,
    `set_config('app.current_user_id', ${idLiteral(scope.userId)}, true)`,
  ];
  for (const [key, name] of Object.entries(LOOKUP_SETTINGS)) {
    const value = scope[key as keyof typeof LOOKUP_SETTINGS];
    if (value !== undefined) settings.push(`set_config('${name}', ${textLiteral(value)}, true)`);
  }
  return `select ${settings.join(', ')}`;
}

export async function runAsApp<T>(db: AppDb, scope: AppScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  return (await openTransaction(db, enterScopeSql(scope))).run(work);
}

/**
 * Tenant transactions opened (and their membership checked) by authentication, each offered to
 * the first `withTenant` of the same caller object on the same database that starts before the
 * event loop moves on: the request's handler, straight after its preHandler. Not taken by then,
 * it is ended, so an open transaction never waits on anything else (a slow handler, a client).
 */
const offered = new WeakMap<object, { db: AppDb; held: HeldTransaction }>();

export function offerTransaction(db: AppDb, caller: TenantContext, held: HeldTransaction) {
  const offer = { db, held };
  offered.set(caller, offer);
  setImmediate(() => {
    if (offered.get(caller) !== offer) return;
    offered.delete(caller);
    void held.end().catch(() => undefined);
  });
}

/** Runs `work` in one transaction that sees only the rows of `scope.accountId`. */
export function withTenant<T>(db: AppDb, scope: { accountId: number; userId?: number }, work: (tx: Tx) => Promise<T>): Promise<T> {
  const offer = offered.get(scope);
  // A transaction of another database (another app in the process, a test's) is not this one's.
  if (offer?.db === db) {
    offered.delete(scope);
    return offer.held.run(work);
  }
  return runAsApp(db, scope, work);
}

/** Switches an open transaction to an account it has just created (registration). */
export async function enterAccount(tx: Tx, accountId: number): Promise<void> {
  await tx.execute(sql`select set_config('app.current_account_id', ${accountId.toString()}, true)`);
}

/** The part of a tenant context that a token alone establishes. */
export type TokenScope = Pick<TenantContext, 'accountId' | 'userId'>;
