/**
 * An API inbox's callbacks as administrators see them: the log of what was POSTed to its
 * callback URL, and "redeliver". The same log and the same sending as a webhook's (delivery-log),
 * found by the inbox instead of a webhook.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { inboxes } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import { deliveryPage, findDelivery, resendDelivery } from './delivery-log.js';

export function createCallbackService({ db, queue }: { db: AppDb; queue: Pick<JobQueue, 'enqueue' | 'wake'> }) {
  /** The inbox's callback URL as the sender would read it (null: none, or not an API inbox). */
  async function callbackUrlOf(tx: Tx, ctx: TenantContext, inboxId: number) {
    const [inbox] = await tx
      .select({ callbackUrl: sql<string | null>`case when ${inboxes.channelType} = 'api' then nullif(${inboxes.settings}->>'callbackUrl', '') end` })
      .from(inboxes)
      .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, inboxId)));
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox.callbackUrl;
  }

  return {
    /** The inbox's callback deliveries, newest first (an inbox that never had a callback URL has none). */
    deliveries: (ctx: TenantContext, inboxId: number, query: { cursor?: string | undefined; limit: number }) =>
      withTenant(db, ctx, async (tx) => {
        await callbackUrlOf(tx, ctx, inboxId);
        return deliveryPage(tx, ctx.accountId, { inboxId }, query);
      }),

    /**
     * Sends a callback again, as it was (same id and body, signed with the inbox's current
     * secret), to the inbox's current callback URL, with one attempt. Without a callback URL there
     * is nowhere to send it: 409.
     */
    async redeliver(ctx: TenantContext, inboxId: number, deliveryId: string) {
      await withTenant(db, ctx, async (tx) => {
        const callbackUrl = await callbackUrlOf(tx, ctx, inboxId);
        await findDelivery(tx, ctx.accountId, { inboxId }, deliveryId);
        if (!callbackUrl) throw new ConflictError('no_callback_url', 'The inbox has no callback URL; set settings.callbackUrl first');
        await resendDelivery(tx, queue, ctx.accountId, deliveryId);
      });
      queue.wake();
      return withTenant(db, ctx, (tx) => findDelivery(tx, ctx.accountId, { inboxId }, deliveryId));
    },
  };
}

export type CallbackService = ReturnType<typeof createCallbackService>;
