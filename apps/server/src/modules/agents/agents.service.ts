import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { accountUsers, conversations, users } from '../../db/schema.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { hashPassword } from '../../platform/passwords.js';
import { runAsApp, withTenant, type AccountRole, type TenantContext } from '../../platform/tenancy.js';
import type { AuthService } from '../auth/auth.service.js';
import { insertUser } from '../auth/users.repo.js';

const agentColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: accountUsers.role,
  /** False while an invited agent has not chosen a password yet. */
  confirmed: sql<boolean>`${users.passwordHash} is not null`,
  createdAt: accountUsers.createdAt,
};

function selectAgents(tx: Tx) {
  return tx.select(agentColumns).from(accountUsers).innerJoin(users, eq(users.id, accountUsers.userId));
}

export interface NewAgent {
  name: string;
  email: string;
  role?: AccountRole | undefined;
  /** Given: the agent can log in at once. Omitted: an invitation token is returned instead. */
  password?: string | undefined;
}

export function createAgentService(deps: { db: AppDb; auth: Pick<AuthService, 'invitationToken'> }) {
  const { db } = deps;

  async function get(tx: Tx, ctx: TenantContext, userId: number) {
    const [agent] = await selectAgents(tx).where(and(eq(accountUsers.accountId, ctx.accountId), eq(accountUsers.userId, userId)));
    if (!agent) throw new NotFoundError('Agent');
    return agent;
  }

  /** An account always keeps one administrator, or nobody could manage it any more. */
  async function assertOtherAdministrator(tx: Tx, ctx: TenantContext, userId: number) {
    const [row] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(accountUsers)
      .where(and(eq(accountUsers.accountId, ctx.accountId), eq(accountUsers.role, 'administrator'), sql`${accountUsers.userId} <> ${userId}`));
    if (!row || row.count === 0) throw new UnprocessableError('last_administrator', 'The account needs at least one other administrator first');
  }

  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => selectAgents(tx).where(eq(accountUsers.accountId, ctx.accountId)).orderBy(asc(users.name), asc(users.id))),

    get: (ctx: TenantContext, userId: number) => withTenant(db, ctx, (tx) => get(tx, ctx, userId)),

    /**
     * Adds a person to the account: an existing user (same e-mail, any account) becomes a
     * member; a new one is created with the given password or invited.
     */
    async create(ctx: TenantContext, input: NewAgent) {
      const email = input.email.trim();
      const passwordHash = input.password ? await hashPassword(input.password) : null;
      const agent = await runAsApp(db, { accountId: ctx.accountId, userId: ctx.userId, lookupEmail: email }, async (tx) => {
        const [existing] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = lower(${email})`);
        const userId =
          existing?.id ??
          (await insertUser(tx, { email, name: input.name.trim(), passwordHash })).id;
        const inserted = await tx
          .insert(accountUsers)
          .values({ accountId: ctx.accountId, userId, role: input.role ?? 'agent', invitedBy: ctx.userId })
          .onConflictDoNothing()
          .returning({ userId: accountUsers.userId });
        if (inserted.length === 0) throw new ConflictError('already_member', 'This person is already an agent of the account');
        return get(tx, ctx, userId);
      });
      return { agent, invitationToken: agent.confirmed ? undefined : deps.auth.invitationToken(ctx.accountId, agent.id) };
    },

    update(ctx: TenantContext, userId: number, changes: { role: AccountRole }) {
      return withTenant(db, ctx, async (tx) => {
        const agent = await get(tx, ctx, userId);
        if (changes.role !== agent.role) {
          if (agent.role === 'administrator') await assertOtherAdministrator(tx, ctx, userId);
          await tx
            .update(accountUsers)
            .set({ role: changes.role })
            .where(and(eq(accountUsers.accountId, ctx.accountId), eq(accountUsers.userId, userId)));
        }
        return get(tx, ctx, userId);
      });
    },

    /** Removes the agent from this account; their open conversations become unassigned. */
    remove(ctx: TenantContext, userId: number) {
      return withTenant(db, ctx, async (tx) => {
        const agent = await get(tx, ctx, userId);
        if (agent.role === 'administrator') await assertOtherAdministrator(tx, ctx, userId);
        await tx
          .update(conversations)
          .set({ assigneeId: null, updatedAt: new Date() })
          .where(and(eq(conversations.accountId, ctx.accountId), eq(conversations.assigneeId, userId)));
        await tx.delete(accountUsers).where(and(eq(accountUsers.accountId, ctx.accountId), eq(accountUsers.userId, userId)));
      });
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
