import { and, asc, eq } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { inboxes, teams } from '../../db/schema.js';
import { NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';

export type ChannelType = 'api' | 'web_widget' | 'email';

export interface InboxInput {
  name?: string | undefined;
  channelType?: ChannelType | undefined;
  defaultTeamId?: number | null | undefined;
}

const inboxColumns = {
  id: inboxes.id,
  name: inboxes.name,
  channelType: inboxes.channelType,
  defaultTeamId: inboxes.defaultTeamId,
  createdAt: inboxes.createdAt,
};

export function createInboxService({ db }: { db: AppDb }) {
  async function get(tx: Tx, ctx: TenantContext, id: number) {
    const [inbox] = await tx
      .select(inboxColumns)
      .from(inboxes)
      .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox;
  }

  async function assertTeam(tx: Tx, ctx: TenantContext, teamId: number | null | undefined) {
    if (teamId == null) return;
    const found = await tx
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.accountId, ctx.accountId), eq(teams.id, teamId)));
    if (found.length === 0) throw new UnprocessableError('invalid_team', `No team ${teamId} in this account`);
  }

  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => tx.select(inboxColumns).from(inboxes).where(eq(inboxes.accountId, ctx.accountId)).orderBy(asc(inboxes.id))),

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => get(tx, ctx, id)),

    create: (ctx: TenantContext, input: InboxInput & { name: string }) =>
      withTenant(db, ctx, async (tx) => {
        await assertTeam(tx, ctx, input.defaultTeamId);
        const [created] = await tx
          .insert(inboxes)
          .values({
            accountId: ctx.accountId,
            name: input.name.trim(),
            channelType: input.channelType ?? 'api',
            defaultTeamId: input.defaultTeamId ?? null,
          })
          .returning({ id: inboxes.id });
        return get(tx, ctx, created!.id);
      }),

    update: (ctx: TenantContext, id: number, input: InboxInput) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        await assertTeam(tx, ctx, input.defaultTeamId);
        await tx
          .update(inboxes)
          .set({
            ...(input.name !== undefined ? { name: input.name.trim() } : {}),
            ...(input.channelType !== undefined ? { channelType: input.channelType } : {}),
            ...(input.defaultTeamId !== undefined ? { defaultTeamId: input.defaultTeamId } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
        return get(tx, ctx, id);
      }),

    /** Deletes the inbox with its conversations, as Chatwoot does. */
    remove: (ctx: TenantContext, id: number) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        await tx.delete(inboxes).where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
      }),
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
