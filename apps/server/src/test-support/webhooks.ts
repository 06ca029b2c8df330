/** Webhook tests' tools over the API: subscribing a receiver's path, and reading the delivery log. */
import type { FastifyInstance } from 'fastify';
import { call, type Session } from './app.js';
import { eventually } from './eventually.js';
import type { Behaviour, Receiver } from './webhook-receiver.js';

/** Subscribes the receiver's `path` to `events` for the session's account, and tells the receiver the secret. */
export async function subscribe(app: FastifyInstance, session: Session, receiver: Receiver, path: string, events: readonly string[], behaviour?: Behaviour) {
  const created = await call(app, session, { method: 'POST', url: '/api/webhooks', payload: { url: receiver.url(path), events } });
  if (created.status !== 201) throw new Error(`subscribing ${path}: ${created.status} ${JSON.stringify(created.body)}`);
  receiver.expect(path, created.body.webhook.secret, behaviour);
  return created.body.webhook as { id: number; url: string; events: string[]; secret: string };
}

/** The first page of a webhook's delivery log. */
export async function deliveryLog(app: FastifyInstance, session: Session, webhookId: number): Promise<any[]> {
  const page = await call(app, session, { method: 'GET', url: `/api/webhooks/${webhookId}/deliveries?limit=100` });
  if (page.status !== 200) throw new Error(`deliveries of ${webhookId}: ${page.status} ${JSON.stringify(page.body)}`);
  return page.body.data;
}

/** Waits until a delivery of the log satisfies `done` (by default: settled after at least `attempts` attempts). */
export function deliveryWhen(app: FastifyInstance, session: Session, webhookId: number, deliveryId: string | undefined, done: (delivery: any) => boolean) {
  return eventually(`a delivery of webhook ${webhookId} in the expected state`, async () =>
    (await deliveryLog(app, session, webhookId)).find((delivery) => (deliveryId === undefined || delivery.id === deliveryId) && done(delivery)),
  );
}

export const settled = (app: FastifyInstance, session: Session, webhookId: number, deliveryId: string, attempts = 1) =>
  deliveryWhen(app, session, webhookId, deliveryId, (delivery) => delivery.status !== 'pending' && delivery.attempts >= attempts);
