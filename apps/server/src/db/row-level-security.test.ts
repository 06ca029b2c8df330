/**
 * Tenant isolation, layer 1, checked in SQL: row-level security on every table that holds an
 * account's rows, and the application role that cannot get around it. Table lists come from
 * the catalog, so a table added without RLS fails here without anyone updating this file.
 */
import { is, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgTable, getTableConfig } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE, runAsApp, withTenant } from '../platform/tenancy.js';
import { call, createTestApp, registerAccount, type Session, type TestApp } from '../test-support/app.js';
import { databaseKinds, withDatabase } from '../test-support/databases.js';
import { formBody, samples } from '../test-support/multipart.js';
import type { AppDb } from './client.js';
import * as schema from './schema.js';

const unique = `${process.pid}.${Date.now()}`;

/** Tables this file fills with rows of both accounts (the rest of the catalog is checked too). */
const POPULATED = [
  'account_users',
  'teams',
  'team_members',
  'inboxes',
  'contacts',
  'labels',
  'conversations',
  'messages',
  'knowledge_base_articles',
  'invitations',
  'attachments',
  'access_tokens',
  'contact_inboxes',
  'webhooks',
  'webhook_deliveries',
  'ai_example_embeddings',
];

interface Result<T> {
  rows: T[];
  count: number;
}

/** Runs a query on either driver; both answer rows, the count is named differently. */
async function exec<T = Record<string, unknown>>(db: Pick<AppDb, 'execute'>, query: SQL): Promise<Result<T>> {
  const result = (await db.execute(query)) as unknown as { rows: T[]; rowCount?: number | null; affectedRows?: number };
  return { rows: result.rows, count: result.rowCount ?? result.affectedRows ?? result.rows.length };
}

/** The database's own error under the driver's wrapper: SQLSTATE and message. */
function databaseError(error: unknown): { code?: string; message: string } {
  for (let err = error as { code?: unknown; message?: string; cause?: unknown } | undefined, depth = 0; err && depth < 5; depth++) {
    if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) return { code: err.code, message: err.message ?? '' };
    err = err.cause as typeof err;
  }
  return { message: String((error as Error | undefined)?.message ?? error) };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return databaseError(error);
  }
  throw new Error('expected the statement to fail');
}

const ident = (name: string) => sql.identifier(name);

/** How a test reaches the database as the application role. */
interface Runner {
  db: AppDb;
  /** The connection logs in as another role and switches with SET LOCAL ROLE, as runAsApp does. */
  switchRole: boolean;
}

class Rollback extends Error {}

/**
 * One transaction as hummdesk_app, with the account set transaction-locally (or nothing set).
 * `rollback` undoes whatever `work` wrote, so a failing assertion leaves no damage behind.
 */
async function asApp<T>(
  runner: Runner,
  accountId: number | null,
  work: (tx: Pick<AppDb, 'execute'>) => Promise<T>,
  options: { rollback?: boolean } = {},
): Promise<T> {
  let result: T;
  try {
    await runner.db.transaction(async (tx) => {
      if (runner.switchRole) await tx.execute(sql`set local role ${ident(APP_ROLE)}`);
      if (accountId !== null) await tx.execute(sql`select set_config('app.current_account_id', ${String(accountId)}, true)`);
      result = await work(tx);
      if (options.rollback) throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return result!;
}

/** Ways to be the application role; all but the pool keep one connection for every transaction. */
const POOL = 'set local role (application pool)';
const RUNNERS = {
  pglite: ['set local role'],
  postgres: [POOL, 'set local role (one owner connection)', 'logged in as hummdesk_app'],
} as const;

describe.each(await databaseKinds())('row-level security on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  const clients: pg.Client[] = [];
  let appClient: pg.Client | undefined;
  const runners = new Map<string, Runner>();
  /** Tables of schema public with an account_id column, read from the catalog. */
  let tenantTables: string[];

  /** The owner's view (the test connects as a superuser, which row-level security does not apply to). */
  const owner = <T = Record<string, unknown>>(query: SQL) => exec<T>(t.database.db, query);

  async function ownerCount(table: string, accountId: number) {
    const { rows } = await owner<{ n: number }>(sql`select count(*)::int as n from ${ident(table)} where account_id = ${accountId}`);
    return rows[0]!.n;
  }

  async function populate(session: Session, tag: string) {
    const post = async (url: string, payload: object, method: 'POST' | 'PUT' | 'PATCH' = 'POST') => {
      const response = await call(t.app, session, { method, url, payload });
      if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const agent = await post('/api/agents', { name: `Agent ${tag}`, email: `rls-${tag}.${unique}@example.com`, password: 'agent password 1' });
    await post('/api/agents', { name: `Invitee ${tag}`, email: `rls-invitee-${tag}.${unique}@example.com` });
    const team = await post('/api/teams', { name: `Team ${tag}` });
    await post(`/api/teams/${team.team.id}/members`, { userIds: [session.userId, agent.agent.id] }, 'PUT');
    const inbox = await post('/api/inboxes', { name: `Inbox ${tag}`, defaultTeamId: team.team.id });
    await post('/api/labels', { title: `label-${tag}` });
    await post('/api/contacts', { name: `Lonely contact ${tag}` });
    // A webhook: the new conversation writes its delivery (no worker runs here to send it).
    await post('/api/webhooks', { url: `https://hooks.example.com/${tag}`, events: ['conversation.created'] });
    const opened = await post('/api/conversations', {
      inboxId: inbox.inbox.id,
      contact: { name: `Customer ${tag}`, email: `customer-${tag}.${unique}@example.org` },
      message: { content: `Help ${tag}` },
    });
    await post(`/api/conversations/${opened.conversation.id}`, { assigneeId: agent.agent.id, labels: [`label-${tag}`] }, 'PATCH');
    await post(`/api/conversations/${opened.conversation.id}/messages`, { content: `Reply ${tag}` });
    const withFile = await formBody({ content: `File ${tag}` }, [{ fileName: `${tag}.png`, bytes: samples.png }]);
    const uploaded = await call(t.app, session, { method: 'POST', url: `/api/conversations/${opened.conversation.id}/messages`, ...withFile });
    if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
    // A snooze writes the job that will end it.
    await post(`/api/conversations/${opened.conversation.id}`, { snoozedUntil: new Date(Date.now() + 86_400_000).toISOString() }, 'PATCH');
    // An article (chunked and embedded inline) and a bulk import, through the API.
    await post('/api/knowledge-base/articles', { title: `Article ${tag}`, content: `How to ${tag}: open the settings and press the button.` });
    await post('/api/knowledge-base/imports', { articles: [{ title: `Imported ${tag}`, content: `Imported text ${tag}` }] });
    await post('/api/access-tokens', { name: `Integration ${tag}`, scope: 'read' });
    // A website visitor through the public client API: a contact inbox and its conversation.
    const website = await post('/api/inboxes', { name: `Website ${tag}`, channelType: 'web_widget' });
    const visitor = await call(t.app, undefined, {
      method: 'POST',
      url: `/api/public/inboxes/${website.inbox.identifier}/contacts`,
      payload: { name: `Visitor ${tag}` },
    });
    const visited = await call(t.app, undefined, {
      method: 'POST',
      url: `/api/public/inboxes/${website.inbox.identifier}/contacts/${visitor.body.contact.identifier}/conversations`,
      headers: { authorization: `Bearer ${visitor.body.token}` },
      payload: { message: { content: `Visiting ${tag}` } },
    });
    if (visited.status !== 201) throw new Error(`public conversation: ${visited.status} ${JSON.stringify(visited.body)}`);
    // No worker runs here: the application role writes a classification and a draft, as the jobs would.
    await withTenant(t.database.db, { accountId: session.accountId }, async (tx) => {
      await tx.insert(schema.messageClassifications).values({
        accountId: session.accountId,
        conversationId: opened.conversation.id,
        messageId: opened.message.id,
        category: 'general',
        priority: 'low',
        sentiment: 'neutral',
        language: 'en',
        confidence: 0.5,
        reasoning: 'fixture',
        provider: 'local',
        processingMs: 1,
      });
      await tx.insert(schema.aiDrafts).values({
        accountId: session.accountId,
        conversationId: opened.conversation.id,
        messageId: opened.message.id,
        content: `Draft ${tag}`,
        confidence: 0.5,
        reasoning: 'fixture',
        sources: [],
        provider: 'local',
        generationMs: 1,
      });
      // A cached example vector, as a training would keep it.
      await tx.insert(schema.aiExampleEmbeddings).values({
        accountId: session.accountId,
        model: 'local-use-lite-512',
        textHash: new Uint8Array(32).fill(session.accountId % 256),
        embedding: new Uint8Array(8),
      });
    });
  }

  async function connect(user?: string) {
    const client = new pg.Client({ connectionString: withDatabase(t.url!, new URL(t.url!).pathname.slice(1), user) });
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
    a = await registerAccount(t.app, 'RLS A');
    b = await registerAccount(t.app, 'RLS B');
    await populate(a, 'a');
    await populate(b, 'b');

    const { rows } = await owner<{ relname: string }>(sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute att where att.attrelid = c.oid and att.attname = 'account_id' and not att.attisdropped)
      order by c.relname`);
    tenantTables = rows.map((row) => row.relname);

    if (kind === 'pglite') {
      runners.set('set local role', { db: t.database.db, switchRole: true });
    } else {
      const ownerClient = await connect();
      appClient = await connect(APP_ROLE);
      runners.set('set local role (application pool)', { db: t.database.db, switchRole: true });
      runners.set('set local role (one owner connection)', {
        db: drizzle(ownerClient) as unknown as AppDb,
        switchRole: true,
      });
      runners.set('logged in as hummdesk_app', { db: drizzle(appClient) as unknown as AppDb, switchRole: false });
    }
  });
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await t?.close();
  });

  it('forces row-level security with a policy on every table that has account_id, and on accounts and users', async () => {
    // Every table of the data model with an account_id column is in the catalog's list...
    const modelled = (Object.values(schema) as unknown[])
      .filter((value): value is PgTable => is(value, PgTable))
      .map((table) => getTableConfig(table))
      .filter((config) => config.columns.some((column) => column.name === 'account_id'))
      .map((config) => config.name);
    expect(modelled.length).toBeGreaterThanOrEqual(POPULATED.length);
    for (const table of [...modelled, ...POPULATED]) expect(tenantTables, table).toContain(table);

    // ...and every table in that list (whatever it holds) is protected.
    const { rows } = await owner<{ relname: string; enabled: boolean; forced: boolean; policies: number }>(sql`
      select c.relname, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
        (select count(*)::int from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname) as policies
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and (c.relname in ('accounts', 'users')
          or exists (select 1 from pg_attribute att where att.attrelid = c.oid and att.attname = 'account_id' and not att.attisdropped))
      order by c.relname`);
    expect(rows.map((row) => row.relname).sort()).toEqual([...tenantTables, 'accounts', 'users'].sort());
    for (const row of rows) {
      expect({ table: row.relname, enabled: row.enabled, forced: row.forced }).toEqual({ table: row.relname, enabled: true, forced: true });
      expect(row.policies, `policies on ${row.relname}`).toBeGreaterThan(0);
    }

    // A view or materialized view would read the tables as its owner, around the policies.
    const { rows: views } = await owner<{ relname: string }>(sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and (c.relkind = 'm'
        or (c.relkind = 'v' and not coalesce('security_invoker=true' = any(c.reloptions), false)))`);
    expect(views).toEqual([]);
  });

  it('runs as a role that is not superuser, has no BYPASSRLS, owns nothing and cannot become another role', async () => {
    const { rows: roles } = await owner<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
      sql`select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = ${APP_ROLE}`,
    );
    expect(roles).toEqual([{ rolsuper: false, rolbypassrls: false, rolcanlogin: true }]);

    const { rows: owned } = await owner<{ name: string }>(sql`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relowner = (select oid from pg_roles where rolname = ${APP_ROLE})
      union all
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proowner = (select oid from pg_roles where rolname = ${APP_ROLE})
      union all
      select n.nspname from pg_namespace n where n.nspowner = (select oid from pg_roles where rolname = ${APP_ROLE})`);
    expect(owned).toEqual([]);
    // The owner of the tables really is someone else (so the check above looked at something).
    const { rows: tableOwners } = await owner<{ owner: string }>(
      sql`select distinct pg_get_userbyid(c.relowner) as owner from pg_class c where c.relname in ('conversations', 'accounts')`,
    );
    expect(tableOwners.map((row) => row.owner)).not.toContain(APP_ROLE);
    expect(tableOwners).toHaveLength(1);

    const { rows: memberOf } = await owner<{ role: string }>(sql`
      select pg_get_userbyid(m.roleid) as role from pg_auth_members m
      where m.member = (select oid from pg_roles where rolname = ${APP_ROLE})`);
    expect(memberOf).toEqual([]);
    const { rows: createOnPublic } = await owner<{ can: boolean }>(sql`select has_schema_privilege(${APP_ROLE}, 'public', 'CREATE') as can`);
    expect(createOnPublic).toEqual([{ can: false }]);
  });

  it("runs the application's own transactions (runAsApp, withTenant) under these rules", async () => {
    const probe = sql`select current_user as "user", count(*)::int as n,
      (count(*) filter (where account_id = ${a.accountId}))::int as own from conversations`;
    const expected = await ownerCount('conversations', a.accountId);
    expect(expected).toBeGreaterThan(0);
    const tenant = await withTenant(t.database.db, { accountId: a.accountId }, (tx) => exec(tx, probe));
    expect(tenant.rows).toEqual([{ user: APP_ROLE, n: expected, own: expected }]);
    const nobody = await runAsApp(t.database.db, {}, (tx) => exec(tx, probe));
    expect(nobody.rows).toEqual([{ user: APP_ROLE, n: 0, own: 0 }]);
    const lookup = await runAsApp(t.database.db, { lookupEmail: 'nobody@example.com' }, (tx) =>
      exec<{ n: number }>(tx, sql`select (select count(*)::int from accounts) + (select count(*)::int from users) as n`),
    );
    expect(lookup.rows).toEqual([{ n: 0 }]);
  });

  it('shows the application role one inbox by its public identifier, and nothing else of its account', async () => {
    const { rows: websites } = await owner<{ id: number; identifier: string }>(
      sql`select id, identifier from inboxes where account_id = ${b.accountId} and name = 'Website b'`,
    );
    expect(websites).toHaveLength(1);
    const website = websites[0]!;
    const byIdentifier = <T>(lookupInbox: string, query: SQL) => runAsApp(t.database.db, { lookupInbox }, (tx) => exec<T>(tx, query));

    const { rows: seen } = await byIdentifier<{ id: number; account_id: number }>(website.identifier, sql`select id, account_id from inboxes`);
    expect(seen).toEqual([{ id: website.id, account_id: b.accountId }]);
    // Not the account's conversations, contacts, messages, other inboxes... nor any account or user.
    for (const table of [...tenantTables.filter((name) => name !== 'inboxes'), 'accounts', 'users']) {
      const { rows } = await byIdentifier<{ n: number }>(website.identifier, sql`select count(*)::int as n from ${ident(table)}`);
      expect(rows, table).toEqual([{ n: 0 }]);
    }
    // Nothing for an identifier that is not exactly an inbox's.
    for (const other of ['', 'no-such-inbox', website.identifier.slice(0, -1), `${website.identifier} `, '%']) {
      const { rows } = await byIdentifier<{ n: number }>(other, sql`select count(*)::int as n from inboxes`);
      expect(rows, JSON.stringify(other)).toEqual([{ n: 0 }]);
    }
    // The lookup shows the inbox, but does not let it be changed or deleted.
    const changed = await byIdentifier(website.identifier, sql`update inboxes set name = 'Hijacked', settings = '{}' where id = ${website.id}`);
    expect(changed.count).toBe(0);
    const deleted = await byIdentifier(website.identifier, sql`delete from inboxes where id = ${website.id}`);
    expect(deleted.count).toBe(0);
    expect((await owner<{ name: string }>(sql`select name from inboxes where id = ${website.id}`)).rows).toEqual([{ name: 'Website b' }]);
  });

  describe.each(RUNNERS[kind])('as the application role, %s', (name) => {
    const runner = () => runners.get(name)!;

    it('is that role, without superuser powers', async () => {
      const { rows } = await asApp(runner(), null, (tx) =>
        exec(
          tx,
          sql`select current_user as "user", current_setting('is_superuser') as superuser,
            (select rolbypassrls from pg_roles where rolname = current_user) as bypass`,
        ),
      );
      expect(rows).toEqual([{ user: APP_ROLE, superuser: 'off', bypass: false }]);
    });

    it('sees no row of any tenant table, nor accounts or users, when no account is set', async () => {
      for (const table of [...tenantTables, 'accounts', 'users']) {
        const { rows: all } = await owner<{ n: number }>(sql`select count(*)::int as n from ${ident(table)}`);
        expect(all[0]!.n, `${table} has rows for the owner`).toBeGreaterThan(0);
        const { rows } = await asApp(runner(), null, (tx) => exec<{ n: number }>(tx, sql`select count(*)::int as n from ${ident(table)}`));
        expect(rows, table).toEqual([{ n: 0 }]);
      }
    });

    it("sees exactly the set account's rows of every tenant table, with no WHERE clause", async () => {
      for (const session of [a, b]) {
        for (const table of tenantTables) {
          const expected = await ownerCount(table, session.accountId);
          if (POPULATED.includes(table)) expect(expected, `${table} rows of account ${session.accountId}`).toBeGreaterThan(0);
          const { rows } = await asApp(runner(), session.accountId, (tx) =>
            exec<{ total: number; own: number }>(
              tx,
              sql`select count(*)::int as total, (count(*) filter (where account_id = ${session.accountId}))::int as own from ${ident(table)}`,
            ),
          );
          expect(rows, table).toEqual([{ total: expected, own: expected }]);
        }

        const accounts = await asApp(runner(), session.accountId, (tx) => exec<{ id: number }>(tx, sql`select id from accounts`));
        expect(accounts.rows).toEqual([{ id: session.accountId }]);
        const { rows: members } = await owner<{ id: number }>(
          sql`select user_id as id from account_users where account_id = ${session.accountId} order by user_id`,
        );
        expect(members.length).toBeGreaterThanOrEqual(2);
        const users = await asApp(runner(), session.accountId, (tx) => exec<{ id: number }>(tx, sql`select id from users order by id`));
        expect(users.rows).toEqual(members);
      }
    });

    it("refuses to write rows into another account and cannot touch that account's rows", async () => {
      const A = a.accountId;
      const B = b.accountId;
      const rlsError = { code: '42501', message: expect.stringMatching(/row-level security/) };

      const inserts: [string, SQL][] = [
        ['labels', sql`insert into labels (account_id, title) values (${B}, ${`planted-${unique}`})`],
        ['contacts', sql`insert into contacts (account_id, name) values (${B}, 'Planted')`],
        ['teams', sql`insert into teams (account_id, name) values (${B}, ${`Planted ${unique}`})`],
        ['knowledge_base_articles', sql`insert into knowledge_base_articles (account_id, title, content) values (${B}, 'x', 'y')`],
        [
          'ai_example_embeddings',
          sql`insert into ai_example_embeddings (account_id, model, text_hash, embedding) values (${B}, 'm', decode('00', 'hex'), decode('00', 'hex'))`,
        ],
      ];
      for (const [table, statement] of inserts) {
        expect(await failure(asApp(runner(), A, (tx) => exec(tx, statement))), `insert into ${table}`).toEqual(rlsError);
      }
      // The same insert into the set account works (the failure above is the policy, not the SQL).
      const own = await asApp(runner(), A, (tx) => exec(tx, sql`insert into labels (account_id, title) values (${A}, ${`planted-${unique}`})`), {
        rollback: true,
      });
      expect(own.count).toBe(1);

      // Moving an own row into the other account breaks WITH CHECK.
      for (const table of ['labels', 'contacts']) {
        expect(
          await failure(asApp(runner(), A, (tx) => exec(tx, sql`update ${ident(table)} set account_id = ${B} where account_id = ${A}`))),
          `update ${table}`,
        ).toEqual(rlsError);
      }

      // The other account's rows are invisible to UPDATE and DELETE: nothing matches, in any table.
      const before = new Map<string, number>();
      for (const table of tenantTables) before.set(table, await ownerCount(table, B));
      for (const table of tenantTables) {
        const updated = await asApp(runner(), A, (tx) => exec(tx, sql`update ${ident(table)} set account_id = account_id where account_id = ${B}`), {
          rollback: true,
        });
        expect(updated.count, `update ${table}`).toBe(0);
        const deleted = await asApp(runner(), A, (tx) => exec(tx, sql`delete from ${ident(table)} where account_id = ${B}`), {
          rollback: true,
        });
        expect(deleted.count, `delete from ${table}`).toBe(0);
        // Without a WHERE clause, only the set account's rows are reached.
        const everything = await asApp(runner(), A, (tx) => exec(tx, sql`update ${ident(table)} set account_id = account_id`), {
          rollback: true,
        });
        expect(everything.count, `update ${table} (no where)`).toBe(await ownerCount(table, A));
      }
      for (const table of tenantTables) expect(await ownerCount(table, B), table).toBe(before.get(table));
      expect(await ownerCount('labels', A)).toBe(1);
    });

    // A pool does not promise the same connection twice; the other runners hold one.
    if (name !== POOL) {
      it('forgets the account (and the role) when the transaction ends, on the same connection', async () => {
        const first = await asApp(runner(), a.accountId, (tx) =>
          exec<{ n: number; pid: number }>(tx, sql`select count(*)::int as n, pg_backend_pid() as pid from conversations`),
        );
        expect(first.rows[0]!.n).toBeGreaterThan(0);

        const next = await asApp(runner(), null, (tx) =>
          exec<{ n: number; pid: number; setting: string | null }>(
            tx,
            sql`select count(*)::int as n, pg_backend_pid() as pid,
              nullif(current_setting('app.current_account_id', true), '') as setting from conversations`,
          ),
        );
        expect(next.rows).toEqual([{ n: 0, pid: first.rows[0]!.pid, setting: null }]);

        // Outside a transaction the connection is back to the role it logged in as.
        const loggedInAs = runner().switchRole ? (await owner<{ user: string }>(sql`select session_user as "user"`)).rows[0]!.user : APP_ROLE;
        const { rows } = await exec<{ user: string }>(runner().db, sql`select current_user as "user"`);
        expect(rows).toEqual([{ user: loggedInAs }]);
      });
    }
  });

  // The brief's check, verbatim: a session logged in as the application role, session-level SET.
  if (kind === 'postgres') {
    it('logged in as hummdesk_app, SET app.current_account_id shows one account at a time', async () => {
      const client = appClient!;
      const byId = (x: { id: number }, y: { id: number }) => x.id - y.id;
      const ownerRows = async (accountId: number) =>
        (await owner<{ id: number; account_id: number }>(sql`select id, account_id from conversations where account_id = ${accountId}`)).rows.sort(byId);
      const query = async () => (await client.query<{ id: number; account_id: number }>('SELECT id, account_id FROM conversations;')).rows.sort(byId);
      try {
        expect(await query()).toEqual([]);

        await client.query(`SET app.current_account_id = ${Number(a.accountId)};`);
        const rowsA = await query();
        expect(rowsA.length).toBeGreaterThan(0);
        expect(rowsA.every((row) => row.account_id === a.accountId)).toBe(true);
        expect(rowsA).toEqual(await ownerRows(a.accountId));

        await client.query(`SET app.current_account_id = ${Number(b.accountId)};`);
        const rowsB = await query();
        expect(rowsB.length).toBeGreaterThan(0);
        expect(rowsB.every((row) => row.account_id === b.accountId)).toBe(true);
        expect(rowsB).toEqual(await ownerRows(b.accountId));
      } finally {
        await client.query('RESET app.current_account_id');
      }
      expect(await query()).toEqual([]);
    });
  }
});
