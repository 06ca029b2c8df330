/**
 * Account webhooks as administrators manage them: subscriptions of a URL to events, each with
 * its own signing secret, and the log of their deliveries with "send test" and "redeliver".
 */
import { asc, count, eq, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { webhooks } from '../../db/schema.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { destinationUrlProblem, refusePrivateDestination, type OutboundPolicy } from '../../platform/outbound/http-client.js';
import { newSigningSecret } from '../../platform/outbound/signature.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import { deliveryPage, findDelivery, resendDelivery } from './delivery-log.js';
import { disableWebhook, inAccount, insertDeliveries, webhookColumns } from './webhooks.repo.js';
import { PING_EVENT, type WebhookEventName } from './webhooks.schema.js';

/** Webhooks one account may have: each change costs a delivery per subscribed webhook. */
export const MAX_WEBHOOKS = 20;
/** Advisory lock class (with the account id) that orders one account's new webhooks, so the limit holds. */
const CREATE_LOCK = 7_234_014;

export interface WebhookInput {
  url?: string | undefined;
  events?: WebhookEventName[] | undefined;
  enabled?: boolean | undefined;
}

export function createWebhookService({ db, queue, policy }: { db: AppDb; queue: Pick<JobQueue, 'enqueue' | 'wake'>; policy: OutboundPolicy }) {
  async function get(tx: Tx, ctx: TenantContext, id: number) {
    const [webhook] = await tx.select(webhookColumns).from(webhooks).where(inAccount(ctx.accountId, id));
    if (!webhook) throw new NotFoundError('Webhook');
    return webhook;
  }

  /** A URL that is not http(s), carries credentials, or (without the operator's permission) names a private address is refused at once. */
  async function assertDestination(url: string) {
    const problem = destinationUrlProblem(url);
    if (problem) throw new UnprocessableError('invalid_url', `The URL ${problem}`, 'body.url');
    await refusePrivateDestination(url, policy, 'body.url');
  }

  /** A delivery of the webhook sent once more (or for the first time), with one attempt: its outcome shows at once. */
  async function sendOnce(ctx: TenantContext, id: number, prepare: (tx: Tx) => Promise<string>) {
    const deliveryId = await withTenant(db, ctx, async (tx) => {
      const webhook = await get(tx, ctx, id);
      if (!webhook.enabled) throw new ConflictError('webhook_disabled', 'The webhook is disabled; enable it first');
      return prepare(tx);
    });
    queue.wake();
    return deliveryId;
  }

  return {
    list: (ctx: TenantContext) =>
      withTenant(db, ctx, (tx) => tx.select(webhookColumns).from(webhooks).where(eq(webhooks.accountId, ctx.accountId)).orderBy(asc(webhooks.id))),

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => get(tx, ctx, id)),

    async create(ctx: TenantContext, input: { url: string; events: WebhookEventName[] }) {
      await assertDestination(input.url);
      return withTenant(db, ctx, async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${CREATE_LOCK}, ${ctx.accountId})`);
        const [existing] = await tx.select({ n: count() }).from(webhooks).where(eq(webhooks.accountId, ctx.accountId));
        if ((existing?.n ?? 0) >= MAX_WEBHOOKS) throw new UnprocessableError('webhook_limit', `An account has at most ${MAX_WEBHOOKS} webhooks`);
        const [created] = await tx
          .insert(webhooks)
          .values({ accountId: ctx.accountId, url: input.url, events: input.events, secret: newSigningSecret() })
          .returning(webhookColumns);
        return created!;
      });
    },

    async update(ctx: TenantContext, id: number, input: WebhookInput) {
      if (input.url !== undefined) await assertDestination(input.url);
      return withTenant(db, ctx, async (tx) => {
        const current = await get(tx, ctx, id);
        if (input.enabled === false) await disableWebhook(tx, ctx.accountId, id, null);
        await tx
          .update(webhooks)
          .set({
            ...(input.url !== undefined ? { url: input.url } : {}),
            ...(input.events !== undefined ? { events: input.events } : {}),
            ...(input.enabled === true && !current.enabled ? { enabled: true, disabledReason: null } : {}),
            updatedAt: new Date(),
          })
          .where(inAccount(ctx.accountId, id));
        return get(tx, ctx, id);
      });
    },

    /** A new secret, used from the next attempt on (the old one stops signing at once). */
    rotateSecret: (ctx: TenantContext, id: number) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        await tx.update(webhooks).set({ secret: newSigningSecret(), updatedAt: new Date() }).where(inAccount(ctx.accountId, id));
        return get(tx, ctx, id);
      }),

    /** Deletes the webhook with its deliveries (their jobs then find nothing to send). */
    remove: (ctx: TenantContext, id: number) =>
      withTenant(db, ctx, async (tx) => {
        const deleted = await tx.delete(webhooks).where(inAccount(ctx.accountId, id)).returning({ id: webhooks.id });
        if (deleted.length === 0) throw new NotFoundError('Webhook');
      }),

    /** The webhook's deliveries, newest first. */
    deliveries: (ctx: TenantContext, id: number, query: { cursor?: string | undefined; limit: number }) =>
      withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        return deliveryPage(tx, ctx.accountId, { webhookId: id }, query);
      }),

    /** Sends a `ping` delivery (one attempt) so an administrator sees the receiver answer. */
    async sendTest(ctx: TenantContext, id: number) {
      const deliveryId = await sendOnce(ctx, id, async (tx) => {
        const webhook = await get(tx, ctx, id);
        const data = { webhook: { id: webhook.id, url: webhook.url, events: webhook.events } };
        const [created] = await insertDeliveries(tx, queue, ctx.accountId, [{ receiver: { webhookId: id }, event: PING_EVENT, data }], 1);
        return created!;
      });
      return withTenant(db, ctx, (tx) => findDelivery(tx, ctx.accountId, { webhookId: id }, deliveryId));
    },

    /**
     * Sends a delivery again, as it was (same id, same body, signed anew), with one attempt. A
     * delivery still pending is on its way already: 409.
     */
    async redeliver(ctx: TenantContext, id: number, deliveryId: string) {
      await sendOnce(ctx, id, async (tx) => {
        await findDelivery(tx, ctx.accountId, { webhookId: id }, deliveryId);
        await resendDelivery(tx, queue, ctx.accountId, deliveryId);
        return deliveryId;
      });
      return withTenant(db, ctx, (tx) => findDelivery(tx, ctx.accountId, { webhookId: id }, deliveryId));
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
