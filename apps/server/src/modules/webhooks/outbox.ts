/**
 * What the rest of the server tells webhooks, inside the transaction of the change itself (the
 * conversation door, the AI results): each enabled webhook of the account subscribed to the
 * event gets a delivery row and a `webhook-delivery` job, written with the change, so a process
 * that dies just after the commit loses none. An agent's public reply in an API inbox with a
 * callback URL gets one more delivery, for that URL. An account without webhooks pays one
 * indexed select per change, and the event's data is not even built.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/client.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import type { WebhookEventName } from './webhooks.schema.js';
import { insertDeliveries, type NewDelivery } from './webhooks.repo.js';

export interface WebhookEvent {
  event: WebhookEventName;
  /** The event's data (the API's own resources), built only when someone receives it. */
  data: () => unknown;
  /** An agent's public reply in this inbox: its API-channel callback URL (if set) receives it too. */
  callbackInboxId?: number | undefined;
}

export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;

export function createWebhookOutbox({ queue }: { queue: Pick<JobQueue, 'enqueue'> }) {
  return {
    /**
     * Records `events` for their receivers in the caller's tenant transaction. `queue.wake()` after
     * the commit sends them at once; otherwise the queue's next poll (within a second) finds them.
     */
    async record(tx: Tx, accountId: number, events: WebhookEvent[]): Promise<void> {
      if (events.length === 0) return;
      const names = [...new Set(events.map((item) => item.event))];
      const inboxIds = [...new Set(events.flatMap((item) => item.callbackInboxId ?? []))];
      const receivers = await queryRows<{ webhook_id: number | null; inbox_id: number | null; events: string[] | null }>(
        tx,
        sql`select id as webhook_id, null::integer as inbox_id, events from webhooks
            where account_id = ${accountId} and enabled and events && ${sql.param(names)}::text[]
            ${
              inboxIds.length > 0
                ? sql`union all
                  select null, id, null from inboxes
                  where account_id = ${accountId} and id = any(${sql.param(inboxIds)}::integer[])
                    and channel_type = 'api' and coalesce(settings->>'callbackUrl', '') <> ''`
                : sql``
            }`,
      );
      if (receivers.length === 0) return;
      const deliveries: NewDelivery[] = [];
      for (const item of events) {
        const subscribed = receivers.filter((receiver) => receiver.webhook_id !== null && receiver.events!.includes(item.event));
        const callback = item.callbackInboxId === undefined ? undefined : receivers.find((receiver) => receiver.inbox_id === item.callbackInboxId);
        if (subscribed.length === 0 && !callback) continue;
        const data = await item.data();
        for (const receiver of subscribed) deliveries.push({ receiver: { webhookId: Number(receiver.webhook_id) }, event: item.event, data });
        if (callback) deliveries.push({ receiver: { inboxId: Number(callback.inbox_id) }, event: item.event, data });
      }
      await insertDeliveries(tx, queue, accountId, deliveries);
    },
  };
}
