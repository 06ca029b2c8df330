import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { accountUsers, conversations, users } from '../../db/schema.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { assertStrongPassword } from '../../platform/password-policy.js';
import { hashPassword } from '../../platform/passwords.js';
import { runAsApp, withTenant, type AccountRole, type TenantContext } from '../../platform/tenancy.js';
import type { AccessChanges } from '../../realtime/access-changes.js';
import { normaliseEmail } from '../../platform/schemas.js';
import { deleteAccessTokensCreatedBy } from '../access-tokens/access-tokens.service.js';
import { findUserByEmail, insertUser } from '../auth/users.repo.js';
import type { ConversationDoor } from '../conversations/changes.js';
import { createInvitation, listPendingInvitations, renewInvitation, revokeInvitation } from './invitations.repo.js';

const agentColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: accountUsers.role,
  createdAt: accountUsers.createdAt,
};

function selectAgents(tx: Tx) {
  return tx.select(agentColumns).from(accountUsers).innerJoin(users, eq(users.id, accountUsers.userId));
}

export interface NewAgent {
  name: string;
  email: string;
  role?: AccountRole | undefined;
  /** Given: a new login is created with it. Omitted: an invitation is created instead. */
  password?: string | undefined;
}

export function createAgentService(deps: { db: AppDb; accessChanges: Pick<AccessChanges, 'publish'>; door: ConversationDoor }) {
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

  async function assertNotMember(tx: Tx, ctx: TenantContext, email: string) {
    const [member] = await selectAgents(tx).where(and(eq(accountUsers.accountId, ctx.accountId), sql`lower(${users.email}) = ${email}`));
    if (member) throw new ConflictError('already_member', 'This person is already an agent of the account');
  }

  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => selectAgents(tx).where(eq(accountUsers.accountId, ctx.accountId)).orderBy(asc(users.name), asc(users.id))),

    get: (ctx: TenantContext, userId: number) => withTenant(db, ctx, (tx) => get(tx, ctx, userId)),

    /**
     * Invites a person: nobody joins an account without accepting. The answer is the same
     * whether or not the e-mail has a HummDesk login, so it tells the inviter nothing about
     * other accounts' people.
     */
    invite(ctx: TenantContext, input: Omit<NewAgent, 'password'>) {
      const email = normaliseEmail(input.email);
      return withTenant(db, ctx, async (tx) => {
        await assertNotMember(tx, ctx, email);
        return createInvitation(tx, { accountId: ctx.accountId, email, name: input.name.trim(), role: input.role ?? 'agent', invitedBy: ctx.userId });
      });
    },

    /**
     * Creates a new login with the password the administrator chose (for installs that hand out
     * logins themselves). An e-mail that already has a login is refused, never joined silently
     * with the administrator's password dropped: that person is invited instead.
     */
    async createWithPassword(ctx: TenantContext, input: NewAgent & { password: string }) {
      const email = normaliseEmail(input.email);
      assertStrongPassword(input.password, { email, name: input.name });
      const passwordHash = await hashPassword(input.password);
      return runAsApp(db, { accountId: ctx.accountId, userId: ctx.userId, lookupEmail: email }, async (tx) => {
        if (await findUserByEmail(tx, email)) {
          throw new ConflictError(
            'email_registered',
            'This e-mail already has a HummDesk login, whose password only its owner chooses: invite it without a password instead',
          );
        }
        const user = await insertUser(tx, { email, name: input.name.trim(), passwordHash });
        await tx.insert(accountUsers).values({ accountId: ctx.accountId, userId: user.id, role: input.role ?? 'agent', invitedBy: ctx.userId });
        return get(tx, ctx, user.id);
      });
    },

    invitations: (ctx: TenantContext) => withTenant(db, ctx, (tx) => listPendingInvitations(tx, ctx.accountId)),

    async renewInvitation(ctx: TenantContext, id: number) {
      const renewed = await withTenant(db, ctx, (tx) => renewInvitation(tx, ctx.accountId, id));
      if (!renewed) throw new NotFoundError('Invitation');
      return renewed;
    },

    async revokeInvitation(ctx: TenantContext, id: number) {
      if (!(await withTenant(db, ctx, (tx) => revokeInvitation(tx, ctx.accountId, id)))) throw new NotFoundError('Invitation');
    },

    /** A new role; the agent's open connections are re-established under it at once. */
    async update(ctx: TenantContext, userId: number, changes: { role: AccountRole }) {
      const { agent, changed } = await withTenant(db, ctx, async (tx) => {
        const current = await get(tx, ctx, userId);
        if (changes.role === current.role) return { agent: current, changed: false };
        if (current.role === 'administrator') await assertOtherAdministrator(tx, ctx, userId);
        await tx
          .update(accountUsers)
          .set({ role: changes.role })
          .where(and(eq(accountUsers.accountId, ctx.accountId), eq(accountUsers.userId, userId)));
        return { agent: await get(tx, ctx, userId), changed: true };
      });
      if (changed) deps.accessChanges.publish({ userId, accountId: ctx.accountId, reason: 'role_changed' });
      return agent;
    },

    /**
     * Removes the agent from this account at once (open sockets and feeds too, and the access
     * tokens they made); their open conversations become unassigned.
     */
    async remove(ctx: TenantContext, userId: number) {
      await deps.door.transaction(ctx, async (tx, changes) => {
        const agent = await get(tx, ctx, userId);
        if (agent.role === 'administrator') await assertOtherAdministrator(tx, ctx, userId);
        await changes.changeWhere(eq(conversations.assigneeId, userId), { assigneeId: null }, `${agent.name} was removed from the account: unassigned`);
        await deleteAccessTokensCreatedBy(tx, ctx.accountId, userId);
        await tx.delete(accountUsers).where(and(eq(accountUsers.accountId, ctx.accountId), eq(accountUsers.userId, userId)));
      });
      deps.accessChanges.publish({ userId, accountId: ctx.accountId, reason: 'removed' });
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
