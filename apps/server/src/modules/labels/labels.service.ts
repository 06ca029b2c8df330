import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { conversations, labels } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import { renamedLabel, withoutLabel, type ConversationDoor } from '../conversations/changes.js';

export interface LabelInput {
  title?: string | undefined;
  description?: string | undefined;
  color?: string | undefined;
}

/** Conversations carrying the label (the GIN-indexable form). */
const carrying = (title: string) => sql`${conversations.labels} @> array[${title}]::text[]`;

const labelColumns = { id: labels.id, title: labels.title, description: labels.description, color: labels.color, createdAt: labels.createdAt };

export function createLabelService({ db, door }: { db: AppDb; door: ConversationDoor }) {
  async function get(tx: Tx, ctx: TenantContext, id: number) {
    const [label] = await tx
      .select(labelColumns)
      .from(labels)
      .where(and(eq(labels.accountId, ctx.accountId), eq(labels.id, id)));
    if (!label) throw new NotFoundError('Label');
    return label;
  }

  async function assertTitleFree(tx: Tx, ctx: TenantContext, title: string, exceptId?: number) {
    const [clash] = await tx
      .select({ id: labels.id })
      .from(labels)
      .where(and(eq(labels.accountId, ctx.accountId), sql`lower(${labels.title}) = lower(${title})`));
    if (clash && clash.id !== exceptId) throw new ConflictError('label_exists', `A label "${title}" already exists`);
  }

  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => tx.select(labelColumns).from(labels).where(eq(labels.accountId, ctx.accountId)).orderBy(asc(labels.title))),

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => get(tx, ctx, id)),

    create: (ctx: TenantContext, input: LabelInput & { title: string }) =>
      withTenant(db, ctx, async (tx) => {
        await assertTitleFree(tx, ctx, input.title);
        const [created] = await tx
          .insert(labels)
          .values({
            accountId: ctx.accountId,
            title: input.title,
            description: input.description ?? '',
            ...(input.color ? { color: input.color } : {}),
          })
          .returning({ id: labels.id });
        return get(tx, ctx, created!.id);
      }),

    /** A renamed label is renamed on every conversation carrying it, in the same transaction. */
    update: (ctx: TenantContext, id: number, input: LabelInput) =>
      door.transaction(ctx, async (tx, changes) => {
        const current = await get(tx, ctx, id);
        if (input.title !== undefined && input.title !== current.title) {
          await assertTitleFree(tx, ctx, input.title, id);
          await changes.changeWhere(
            carrying(current.title),
            { labels: renamedLabel(current.title, input.title) },
            `Label ${current.title} was renamed to ${input.title}`,
          );
        }
        await tx
          .update(labels)
          .set({
            ...(input.title !== undefined ? { title: input.title } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.color !== undefined ? { color: input.color } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(labels.accountId, ctx.accountId), eq(labels.id, id)));
        return get(tx, ctx, id);
      }),

    remove: (ctx: TenantContext, id: number) =>
      door.transaction(ctx, async (tx, changes) => {
        const current = await get(tx, ctx, id);
        await changes.changeWhere(carrying(current.title), { labels: withoutLabel(current.title) }, `Label ${current.title} was deleted: removed`);
        await tx.delete(labels).where(and(eq(labels.accountId, ctx.accountId), eq(labels.id, id)));
      }),
  };
}

export type LabelService = ReturnType<typeof createLabelService>;
