/** Queries of webhooks and their deliveries; every one filters by account (indexes lead with it). */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { webhookDeliveries, webhooks } from '../../db/schema.js';
import type { JobQueue } from '../../platform/queue/queue.js';

export const webhookColumns = {
  id: webhooks.id,
  url: webhooks.url,
  events: webhooks.events,
  enabled: webhooks.enabled,
  disabledReason: webhooks.disabledReason,
  secret: webhooks.secret,
  createdAt: webhooks.createdAt,
  updatedAt: webhooks.updatedAt,
};

export const deliveryColumns = {
  id: webhookDeliveries.id,
  event: webhookDeliveries.event,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  responseStatus: webhookDeliveries.responseStatus,
  error: webhookDeliveries.error,
  durationMs: webhookDeliveries.durationMs,
  createdAt: webhookDeliveries.createdAt,
  lastAttemptAt: webhookDeliveries.lastAttemptAt,
  deliveredAt: webhookDeliveries.deliveredAt,
};

export const inAccount = (accountId: number, id: number) => and(eq(webhooks.accountId, accountId), eq(webhooks.id, id));

/**
 * Attempts of one delivery: with the queue's backoff (1 s, 4 s, 16 s, ...) the last comes about a
 * day after the first.
 */
export const DELIVERY_ATTEMPTS = 10;

/** Where a delivery goes: an account webhook, or an API inbox's callback URL. */
export type Receiver = { webhookId: number; inboxId?: undefined } | { inboxId: number; webhookId?: undefined };

export interface NewDelivery {
  receiver: Receiver;
  event: string;
  /** The event's data, as the API shows it (its dates become ISO strings here). */
  data: unknown;
}

/**
 * Writes deliveries and their jobs in the caller's transaction (the outbox): they exist exactly
 * when the change they tell of has committed. Each job's key is its delivery's id, so a delivery
 * is one job whatever retries or crashes follow. The body is fixed now, and sent as it is on
 * every attempt.
 */
export async function insertDeliveries(
  tx: Tx,
  queue: Pick<JobQueue, 'enqueue'>,
  accountId: number,
  deliveries: NewDelivery[],
  maxAttempts = DELIVERY_ATTEMPTS,
) {
  if (deliveries.length === 0) return [];
  const timestamp = new Date().toISOString();
  const rows = deliveries.map(({ receiver, event, data }) => {
    const id = randomUUID();
    return {
      id,
      accountId,
      webhookId: receiver.webhookId ?? null,
      inboxId: receiver.inboxId ?? null,
      event,
      payload: { id, event, accountId, timestamp, data: JSON.parse(JSON.stringify(data)) as unknown },
    };
  });
  await tx.insert(webhookDeliveries).values(rows);
  for (const row of rows) await queue.enqueue(tx, 'webhook-delivery', { accountId, deliveryId: row.id }, { key: row.id, maxAttempts });
  return rows.map((row) => row.id);
}

/**
 * Turns a webhook off (by an administrator: no reason; by HummDesk: why) and ends its pending
 * deliveries, whose jobs then find nothing to send. Answers the webhook, or undefined when it was
 * already off.
 */
export async function disableWebhook(tx: Tx, accountId: number, id: number, reason: string | null) {
  const [disabled] = await tx
    .update(webhooks)
    .set({ enabled: false, disabledReason: reason, updatedAt: new Date() })
    .where(and(inAccount(accountId, id), eq(webhooks.enabled, true)))
    .returning(webhookColumns);
  if (!disabled) return undefined;
  await tx
    .update(webhookDeliveries)
    .set({ status: 'failed', error: 'Not sent: the webhook was disabled' })
    .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.status, 'pending')));
  return disabled;
}
