/**
 * The statement that enters a tenant scope is SQL text with its values inline (it goes with
 * BEGIN in one round trip): each value must come back from the database exactly as given, on
 * both drivers, and a value that SQL text cannot carry must be refused, never cut short.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTransaction, queryInScope, queryRows } from '../db/client.js';
import { createTestDatabase, databaseKinds, type DatabaseKind, type TestDatabase } from '../test-support/databases.js';
import { BadRequestError } from './errors.js';
import { enterScopeSql, idLiteral, offerTransaction, runAsApp, withTenant, type TenantContext } from './tenancy.js';

const kinds = await databaseKinds();
const databases = new Map<DatabaseKind, TestDatabase>();

beforeAll(async () => {
  for (const kind of kinds) databases.set(kind, await createTestDatabase(kind));
});
afterAll(async () => {
  for (const database of databases.values()) await database.drop();
});

const dbOf = (kind: DatabaseKind) => databases.get(kind)!.database.db;

describe('idLiteral', () => {
  it.each([0, 1, -1, 42, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])('writes %d as a quoted integer', (id) => {
    expect(idLiteral(id)).toBe(`'${id}'`);
  });

  it('writes no id as the empty string', () => {
    expect(idLiteral(undefined)).toBe("''");
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53)])('refuses %d', (id) => {
    expect(() => idLiteral(id)).toThrow(TypeError);
  });
});

describe.each(kinds)('entering a scope on %s', (kind) => {
  const readBack = (scope: Parameters<typeof enterScopeSql>[0]) =>
    runAsApp(dbOf(kind), scope, (tx) =>
      queryRows<{ account: string; user: string; email: string | null; role: string }>(
        tx,
        sql`select current_setting('app.current_account_id') as account, current_setting('app.current_user_id') as user,
          current_setting('app.lookup_email', true) as email, current_user as role`,
      ),
    );

  it.each([
    ['a quote', "o'brien@example.com"],
    ['a backslash', 'back\\slash@example.com'],
    ['a backslash before a quote', "\\'; select 1; --@example.com"],
    ['two quotes', "''"],
    ['an emoji', 'maija😀@example.com'],
    ['a line break and a tab', 'a\nb\tc'],
    ['dollar quotes', '$$ $x$ @example.com'],
    ['a long value', `${'x'.repeat(20_000)}@example.com`],
    ['the empty string', ''],
  ])('reads %s back exactly as given', async (_name, value) => {
    const [row] = await readBack({ accountId: 7, userId: 9, lookupEmail: value });
    expect(row).toEqual({ account: '7', user: '9', email: value, role: 'hummdesk_app' });
  });

  it('reads back a negative id, and no id as the empty string', async () => {
    expect(await readBack({ accountId: -1 })).toMatchObject([{ account: '-1', user: '', role: 'hummdesk_app' }]);
  });

  it('refuses a NUL character as a 400, before any query', () => {
    let refused: unknown;
    try {
      enterScopeSql({ accountId: 1, lookupEmail: 'a\0b@example.com' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'invalid_text' });
  });

  it('refuses an id that is not a safe integer, before any query', () => {
    expect(() => enterScopeSql({ accountId: 2 ** 53 })).toThrow(TypeError);
    expect(() => enterScopeSql({ accountId: 1, userId: 1.5 })).toThrow(TypeError);
  });

  it('keeps the settings of a check run on its own to that check', async () => {
    const rows = await queryInScope(dbOf(kind), enterScopeSql({ accountId: 5, lookupEmail: "x'y" }), "select current_setting('app.lookup_email') as email");
    expect(rows).toEqual([{ email: "x'y" }]);
    const [after] = await queryRows<{ email: string | null }>(dbOf(kind), sql`select nullif(current_setting('app.lookup_email', true), '') as email`);
    expect(after!.email).toBeNull();
  });
});

describe.skipIf(!kinds.includes('postgres'))('the Postgres pool', () => {
  it('opens its connections without JIT compilation', async () => {
    const rows = await runAsApp(dbOf('postgres'), {}, (tx) => queryRows<{ jit: string }>(tx, sql`show jit`));
    expect(rows).toEqual([{ jit: 'off' }]);
  });
});

describe.skipIf(kinds.length < 2)('a transaction offered to a caller', () => {
  /** A transaction whose scope carries a mark, to tell it from one `withTenant` opens itself. */
  const offerMarked = async (kind: DatabaseKind, caller: TenantContext) => {
    const held = await openTransaction(dbOf(kind), `${enterScopeSql(caller)}, set_config('app.mark', 'offered', true)`);
    offerTransaction(dbOf(kind), caller, held);
  };
  const markSeen = (kind: DatabaseKind, caller: TenantContext) =>
    withTenant(
      dbOf(kind),
      caller,
      async (tx) => (await queryRows<{ mark: string | null }>(tx, sql`select current_setting('app.mark', true) as mark`))[0]!.mark,
    );

  it('is taken by the same caller on the same database', async () => {
    const caller: TenantContext = { accountId: 3, userId: 4, role: 'agent' };
    await offerMarked('postgres', caller);
    expect(await markSeen('postgres', caller)).toBe('offered');
  });

  it('is not taken on another database, which opens its own', async () => {
    const caller: TenantContext = { accountId: 3, userId: 4, role: 'agent' };
    await offerMarked('postgres', caller);
    expect(await markSeen('pglite', caller)).not.toBe('offered');
  });
});
