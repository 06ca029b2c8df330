/**
 * The `webhook-delivery` job: sends one delivery (its stored body, signed now with the
 * receiver's current secret) and records the attempt. A 2xx answer delivers it; any other
 * answer, a timeout or a network failure fails the attempt and the queue retries with backoff
 * (about a day in all). `410 Gone` disables the webhook at once; so does a last attempt failing
 * when nothing has reached the receiver for days. Either way the administrators hear of it live.
 */
import { and, eq, sql } from 'drizzle-orm';
import { queryRows, type AppDb, type Tx } from '../../db/client.js';
import { inboxes, webhookDeliveries, webhooks } from '../../db/schema.js';
import { OutboundError, postOutbound, type OutboundPolicy } from '../../platform/outbound/http-client.js';
import { sign, SIGNATURE_HEADER } from '../../platform/outbound/signature.js';
import type { JobContext, JobPayloads, JobResult } from '../../platform/queue/jobs.js';
import { withTenant } from '../../platform/tenancy.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { disableWebhook } from './webhooks.repo.js';

const USER_AGENT = 'HummDesk-Webhooks';
/** A webhook none of whose deliveries has arrived for this long is disabled when one more gives up. */
const FAILING_DAYS_BEFORE_DISABLE = 3;
const GONE_REASON = 'The receiver answered 410 Gone';
const FAILING_REASON = `No delivery has succeeded for ${FAILING_DAYS_BEFORE_DISABLE} days`;
/** How much of a failing answer's body the delivery log keeps, to say what the receiver said. */
const ERROR_SNIPPET = 300;

interface Target {
  status: 'pending' | 'delivered' | 'failed';
  event: string;
  payload: unknown;
  webhookId: number | null;
  url: string | null;
  secret: string | null;
  /** Why it is not sent at all (the webhook was disabled, the inbox lost its callback URL). */
  refusal: string | null;
}

/** The delivery with where it goes and the secret that signs it, as they are now. */
async function loadTarget(tx: Tx, accountId: number, deliveryId: string): Promise<Target | undefined> {
  const [row] = await tx
    .select({
      status: webhookDeliveries.status,
      event: webhookDeliveries.event,
      payload: webhookDeliveries.payload,
      webhookId: webhookDeliveries.webhookId,
      webhookUrl: webhooks.url,
      webhookSecret: webhooks.secret,
      webhookEnabled: webhooks.enabled,
      callbackUrl: sql<string | null>`${inboxes.settings}->>'callbackUrl'`,
      inboxSecret: inboxes.secret,
      channelType: inboxes.channelType,
    })
    .from(webhookDeliveries)
    .leftJoin(webhooks, and(eq(webhooks.accountId, webhookDeliveries.accountId), eq(webhooks.id, webhookDeliveries.webhookId)))
    .leftJoin(inboxes, and(eq(inboxes.accountId, webhookDeliveries.accountId), eq(inboxes.id, webhookDeliveries.inboxId)))
    .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, deliveryId)));
  if (!row) return undefined;
  const base = { status: row.status, event: row.event, payload: row.payload, webhookId: row.webhookId };
  if (row.webhookId !== null) {
    return { ...base, url: row.webhookUrl, secret: row.webhookSecret, refusal: row.webhookEnabled ? null : 'Not sent: the webhook is disabled' };
  }
  const callbackUrl = row.channelType === 'api' && row.callbackUrl ? row.callbackUrl : null;
  return { ...base, url: callbackUrl, secret: row.inboxSecret, refusal: callbackUrl ? null : 'Not sent: the inbox has no callback URL any more' };
}

/** Whether nothing has reached the webhook since it last changed or last succeeded, for days. */
async function failingForDays(tx: Tx, accountId: number, webhookId: number): Promise<boolean> {
  const [row] = await queryRows<{ failing: boolean }>(
    tx,
    sql`select greatest(
          coalesce((select max(delivered_at) from webhook_deliveries where account_id = ${accountId} and webhook_id = ${webhookId}), w.created_at),
          w.updated_at) < now() - ${`${FAILING_DAYS_BEFORE_DISABLE} days`}::interval as failing
        from webhooks w where w.account_id = ${accountId} and w.id = ${webhookId}`,
  );
  return row?.failing === true;
}

/** What an attempt came to: the receiver's status (if any) and, unless delivered, why it failed. */
async function attempt(target: Target & { url: string; secret: string }, deliveryId: string, policy: OutboundPolicy) {
  const body = JSON.stringify(target.payload);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-HummDesk-Event': target.event,
    'X-HummDesk-Delivery': deliveryId,
    [SIGNATURE_HEADER]: sign(target.secret, body),
  };
  const started = performance.now();
  try {
    const answer = await postOutbound(target.url, body, headers, policy);
    const durationMs = Math.round(performance.now() - started);
    if (answer.status >= 200 && answer.status < 300) return { responseStatus: answer.status, error: null, durationMs };
    const said = answer.body.trim().replace(/\s+/g, ' ').slice(0, ERROR_SNIPPET);
    return {
      responseStatus: answer.status,
      error: `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}${said ? `: ${said}` : ''}`,
      durationMs,
    };
  } catch (error) {
    const durationMs = Math.round(performance.now() - started);
    const detail = error instanceof OutboundError ? error.detail : undefined;
    return { responseStatus: null, error: error instanceof OutboundError ? error.message : String((error as Error).message ?? error), durationMs, detail };
  }
}

export function createWebhookSender({ db, events, policy }: { db: AppDb; events: Pick<EventBus, 'publish'>; policy: OutboundPolicy }) {
  return {
    async send({ accountId, deliveryId }: JobPayloads['webhook-delivery'], job: Pick<JobContext, 'attempt' | 'maxAttempts'>): Promise<JobResult> {
      const scope = { accountId };
      const target = await withTenant(db, scope, (tx) => loadTarget(tx, accountId, deliveryId));
      // Deleted (with its webhook or inbox), or settled by a redelivery or a disabling meanwhile.
      if (!target) return { skipped: 'no such delivery' };
      if (target.status !== 'pending') return { skipped: `already ${target.status}` };
      if (target.refusal || !target.url || !target.secret) {
        await withTenant(db, scope, (tx) =>
          tx
            .update(webhookDeliveries)
            .set({ status: 'failed', error: target.refusal })
            .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, deliveryId))),
        );
        return { skipped: target.refusal };
      }

      const outcome = await attempt({ ...target, url: target.url, secret: target.secret }, deliveryId, policy);
      const delivered = outcome.error === null;
      const gone = outcome.responseStatus === 410;
      const last = job.attempt >= job.maxAttempts;
      const now = new Date();
      const disabled = await withTenant(db, scope, async (tx) => {
        await tx
          .update(webhookDeliveries)
          .set({
            status: delivered ? 'delivered' : gone || last ? 'failed' : 'pending',
            attempts: sql`${webhookDeliveries.attempts} + 1`,
            responseStatus: outcome.responseStatus,
            error: outcome.error,
            durationMs: outcome.durationMs,
            lastAttemptAt: now,
            deliveredAt: delivered ? now : null,
          })
          .where(and(eq(webhookDeliveries.accountId, accountId), eq(webhookDeliveries.id, deliveryId)));
        // An API inbox's callback URL is the inbox's own setting: it is not turned off from here.
        if (delivered || target.webhookId === null) return undefined;
        if (gone) return disableWebhook(tx, accountId, target.webhookId, GONE_REASON);
        if (last && (await failingForDays(tx, accountId, target.webhookId))) return disableWebhook(tx, accountId, target.webhookId, FAILING_REASON);
        return undefined;
      });
      if (disabled) {
        const { secret: _secret, ...webhook } = disabled;
        events.publish(accountId, 'webhook:disabled', { webhook });
      }
      const result = { delivered, responseStatus: outcome.responseStatus, durationMs: outcome.durationMs };
      // The queue retries a failed attempt (a 410 is final): the error is the job's too.
      // The job's error is the server's log: it may name what the delivery log must not (a refused internal address).
      if (!delivered && !gone) throw new Error([outcome.error ?? 'delivery failed', outcome.detail].filter(Boolean).join(': '));
      return result;
    },
  };
}
