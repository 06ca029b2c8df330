/**
 * The delivery log of one receiver, an account webhook or an API inbox's callback URL: its page
 * of deliveries, one delivery, and "redeliver". The webhooks API and the inboxes' callback log
 * both go through these, so the two logs read and resend alike.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { webhookDeliveries } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { decodeTimeTextIdCursor, toPage } from '../../platform/pagination.js';
import { jobKey } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { deliveryColumns, type Receiver } from './webhooks.repo.js';

const ofReceiver = (accountId: number, receiver: Receiver) =>
  and(
    eq(webhookDeliveries.accountId, accountId),
    receiver.webhookId !== undefined ? eq(webhookDeliveries.webhookId, receiver.webhookId) : eq(webhookDeliveries.inboxId, receiver.inboxId),
  );

/** The receiver's deliveries, newest first, cursor-paged. */
export async function deliveryPage(tx: Tx, accountId: number, receiver: Receiver, query: { cursor?: string | undefined; limit: number }) {
  const after = decodeTimeTextIdCursor(query.cursor);
  const rows = await tx
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .where(
      and(
        ofReceiver(accountId, receiver),
        after ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${after.at.toISOString()}::timestamptz, ${after.id})` : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
}

/** One delivery of the receiver; another receiver's (or account's) is not found, as a missing one. */
export async function findDelivery(tx: Tx, accountId: number, receiver: Receiver, deliveryId: string) {
  const [delivery] = await tx
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .where(and(ofReceiver(accountId, receiver), eq(webhookDeliveries.id, deliveryId)));
  if (!delivery) throw new NotFoundError('Delivery');
  return delivery;
}

/**
 * Queues a settled delivery to be sent again as it was (same id, same body, signed anew when
 * sent), with one attempt. A delivery still pending is on its way already: 409.
 */
export async function resendDelivery(tx: Tx, queue: Pick<JobQueue, 'enqueue'>, accountId: number, deliveryId: string) {
  const reopened = await tx
    .update(webhookDeliveries)
    .set({ status: 'pending' })
    .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, deliveryId), sql`${webhookDeliveries.status} <> 'pending'`))
    .returning({ id: webhookDeliveries.id });
  if (reopened.length === 0) throw new ConflictError('delivery_pending', 'The delivery is still being sent');
  await queue.enqueue(tx, 'webhook-delivery', { accountId, deliveryId }, { key: jobKey(deliveryId, randomUUID()), maxAttempts: 1 });
}
