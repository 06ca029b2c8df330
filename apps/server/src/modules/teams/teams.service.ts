import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { accountUsers, aiCategories, conversations, inboxes, teamMembers, teams, users } from '../../db/schema.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { ConversationDoor } from '../conversations/changes.js';

const teamColumns = {
  id: teams.id,
  name: teams.name,
  description: teams.description,
  allowAutoAssign: teams.allowAutoAssign,
  memberCount: sql<number>`(select count(*)::int from ${teamMembers} where ${teamMembers.teamId} = ${teams.id})`,
  createdAt: teams.createdAt,
};

export interface TeamInput {
  name?: string | undefined;
  description?: string | undefined;
  allowAutoAssign?: boolean | undefined;
}

export function createTeamService({ db, door }: { db: AppDb; door: ConversationDoor }) {
  async function get(tx: Tx, ctx: TenantContext, id: number) {
    const [team] = await tx
      .select(teamColumns)
      .from(teams)
      .where(and(eq(teams.accountId, ctx.accountId), eq(teams.id, id)));
    if (!team) throw new NotFoundError('Team');
    return team;
  }

  /** A clear 409 before the unique index would give a generic one. */
  async function assertNameFree(tx: Tx, ctx: TenantContext, name: string, exceptId?: number) {
    const [clash] = await tx
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.accountId, ctx.accountId), sql`lower(${teams.name}) = lower(${name})`));
    if (clash && clash.id !== exceptId) throw new ConflictError('team_exists', `A team named "${name}" already exists`);
  }

  function members(tx: Tx, ctx: TenantContext, teamId: number) {
    return tx
      .select({ id: users.id, name: users.name, email: users.email })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(and(eq(teamMembers.accountId, ctx.accountId), eq(teamMembers.teamId, teamId)))
      .orderBy(asc(users.name), asc(users.id));
  }

  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => tx.select(teamColumns).from(teams).where(eq(teams.accountId, ctx.accountId)).orderBy(asc(teams.name))),

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => get(tx, ctx, id)),

    create: (ctx: TenantContext, input: TeamInput & { name: string }) =>
      withTenant(db, ctx, async (tx) => {
        await assertNameFree(tx, ctx, input.name.trim());
        const [created] = await tx
          .insert(teams)
          .values({
            accountId: ctx.accountId,
            name: input.name.trim(),
            description: input.description ?? '',
            allowAutoAssign: input.allowAutoAssign ?? true,
          })
          .returning({ id: teams.id });
        return get(tx, ctx, created!.id);
      }),

    update: (ctx: TenantContext, id: number, input: TeamInput) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        if (input.name !== undefined) await assertNameFree(tx, ctx, input.name.trim(), id);
        await tx
          .update(teams)
          .set({
            ...(input.name !== undefined ? { name: input.name.trim() } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.allowAutoAssign !== undefined ? { allowAutoAssign: input.allowAutoAssign } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(teams.accountId, ctx.accountId), eq(teams.id, id)));
        return get(tx, ctx, id);
      }),

    /** Deletes the team; its conversations and inboxes keep going, without a team. */
    remove: (ctx: TenantContext, id: number) =>
      door.transaction(ctx, async (tx, changes) => {
        const team = await get(tx, ctx, id);
        await changes.changeWhere(eq(conversations.teamId, id), { teamId: null }, `Team ${team.name} was deleted: unassigned`);
        await tx
          .update(inboxes)
          .set({ defaultTeamId: null })
          .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.defaultTeamId, id)));
        await tx
          .update(aiCategories)
          .set({ teamId: null })
          .where(and(eq(aiCategories.accountId, ctx.accountId), eq(aiCategories.teamId, id)));
        await tx.delete(teams).where(and(eq(teams.accountId, ctx.accountId), eq(teams.id, id)));
      }),

    members: (ctx: TenantContext, id: number) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        return members(tx, ctx, id);
      }),

    /** Replaces the team's members; every id must be an agent of the account. */
    setMembers: (ctx: TenantContext, id: number, userIds: number[]) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        const wanted = [...new Set(userIds)];
        if (wanted.length > 0) {
          const found = await tx
            .select({ userId: accountUsers.userId })
            .from(accountUsers)
            .where(and(eq(accountUsers.accountId, ctx.accountId), inArray(accountUsers.userId, wanted)));
          const missing = wanted.filter((userId) => !found.some((row) => row.userId === userId));
          if (missing.length > 0) throw new UnprocessableError('invalid_agent', `Not agents of this account: ${missing.join(', ')}`);
        }
        await tx.delete(teamMembers).where(and(eq(teamMembers.accountId, ctx.accountId), eq(teamMembers.teamId, id)));
        if (wanted.length > 0) {
          await tx.insert(teamMembers).values(wanted.map((userId) => ({ accountId: ctx.accountId, teamId: id, userId })));
        }
        return members(tx, ctx, id);
      }),
  };
}

export type TeamService = ReturnType<typeof createTeamService>;
