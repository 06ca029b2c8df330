import Type from 'typebox';
import { CursorQuery } from '../../platform/pagination.js';
import { MAX_URL_LENGTH } from '../../platform/outbound/http-client.js';
import { NullableTimestamp, Timestamp } from '../../platform/schemas.js';

/** The events an account's webhooks subscribe to (CONTRACT.md, Channels). */
export const WEBHOOK_EVENTS = [
  'conversation.created',
  'conversation.updated',
  'conversation.status_changed',
  'message.created',
  'ai.classification',
  'ai.draft',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
/** The event of a "send test" delivery; nothing subscribes to it. */
export const PING_EVENT = 'ping';

const EventName = Type.Union(
  [
    Type.Literal('conversation.created'),
    Type.Literal('conversation.updated'),
    Type.Literal('conversation.status_changed'),
    Type.Literal('message.created'),
    Type.Literal('ai.classification'),
    Type.Literal('ai.draft'),
  ],
  { description: WEBHOOK_EVENTS.join(' | ') },
);

const Url = Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH, description: 'An http or https URL, without a user name or password' });
const Events = Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true });

export const Webhook = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why HummDesk disabled it (410 Gone, days of failed deliveries); null when enabled or disabled by an administrator',
  }),
  secret: Type.Optional(
    Type.String({ description: "Signs every delivery (X-HummDesk-Signature); shown to an administrator's session only, never to an access token" }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** A webhook as the administrators' `webhook:disabled` event carries it: without its secret. */
export const WebhookNotice = Type.Omit(Webhook, ['secret']);

export const CreateWebhookBody = Type.Object({ url: Url, events: Events }, { additionalProperties: false });

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    enabled: Type.Optional(Type.Boolean({ description: 'Enabling a disabled webhook clears its disabledReason' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Delivery = Type.Object({
  id: Type.String({ description: 'The delivery id the receiver sees in X-HummDesk-Delivery; the same on every retry' }),
  event: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's last HTTP status; null when it gave none" }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt failed' }),
  durationMs: Type.Union([Type.Integer(), Type.Null()], { description: 'How long the last attempt took' }),
  createdAt: Timestamp,
  lastAttemptAt: NullableTimestamp,
  deliveredAt: NullableTimestamp,
});

export const DeliveryPage = Type.Object({ data: Type.Array(Delivery), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export const DeliveriesQuery = Type.Object({ ...CursorQuery });

export const DeliveryParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  deliveryId: Type.String({ format: 'uuid' }),
});
