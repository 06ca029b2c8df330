import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { maySeeSecrets, sessionOf, type CallerContext } from '../../platform/auth.js';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import { CreateWebhookBody, DeliveriesQuery, Delivery, DeliveryPage, DeliveryParams, UpdateWebhookBody, Webhook } from './webhooks.schema.js';
import type { WebhookService } from './webhooks.service.js';

const schemaBase = { tags: ['webhooks'], security: [{ bearerAuth: [] }] };
const OneWebhook = Type.Object({ webhook: Webhook });
const OneDelivery = Type.Object({ delivery: Delivery });

/** A webhook as the caller may see it: its secret only to an administrator's session (maySeeSecrets). */
const shown = <T extends { secret: string }>(caller: CallerContext, { secret, ...webhook }: T) => (maySeeSecrets(caller) ? { ...webhook, secret } : webhook);

/** Administrators only: a webhook's URL and secret are the account's integration keys. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.addHook('preHandler', app.requireAdmin);

  app.get(
    '/',
    {
      schema: {
        ...schemaBase,
        summary: "The account's webhooks (administrators)",
        response: { 200: Type.Object({ data: Type.Array(Webhook) }), ...errorResponses },
      },
    },
    async (request) => ({ data: (await webhooks.list(request.auth)).map((webhook) => shown(request.auth, webhook)) }),
  );

  app.post(
    '/',
    {
      schema: {
        ...schemaBase,
        summary: "Subscribe a URL to events (administrators); deliveries are signed with the secret answered to an administrator's session",
        body: CreateWebhookBody,
        response: { 201: OneWebhook, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ webhook: shown(request.auth, await webhooks.create(request.auth, request.body)) }),
  );

  app.get(
    '/:id',
    { schema: { ...schemaBase, summary: 'One webhook (administrators)', params: IdParams, response: { 200: OneWebhook, ...errorResponses } } },
    async (request) => ({ webhook: shown(request.auth, await webhooks.get(request.auth, request.params.id)) }),
  );

  app.patch(
    '/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'Change, enable or disable a webhook (administrators)',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: OneWebhook, ...errorResponses },
      },
    },
    async (request) => ({ webhook: shown(request.auth, await webhooks.update(request.auth, request.params.id, request.body)) }),
  );

  app.delete(
    '/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'Delete a webhook and its deliveries (administrators)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/:id/rotate-secret',
    {
      schema: {
        ...schemaBase,
        summary: 'Give a webhook a new signing secret, used from the next attempt on (administrators, signed in: not an access token)',
        params: IdParams,
        response: { 200: OneWebhook, ...errorResponses },
      },
    },
    async (request) => ({ webhook: await webhooks.rotateSecret(sessionOf(request), request.params.id) }),
  );

  app.get(
    '/:id/deliveries',
    {
      schema: {
        ...schemaBase,
        summary: "A webhook's deliveries, newest first (administrators)",
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryPage, ...errorResponses },
      },
    },
    async (request) => webhooks.deliveries(request.auth, request.params.id, request.query),
  );

  app.post(
    '/:id/test',
    {
      schema: {
        ...schemaBase,
        summary: 'Send a `ping` delivery now, one attempt (administrators)',
        params: IdParams,
        response: { 202: OneDelivery, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send({ delivery: await webhooks.sendTest(request.auth, request.params.id) }),
  );

  app.post(
    '/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        ...schemaBase,
        summary: 'Send a delivery again as it was (same id and body, signed anew), one attempt (administrators)',
        params: DeliveryParams,
        response: { 202: OneDelivery, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send({ delivery: await webhooks.redeliver(request.auth, request.params.id, request.params.deliveryId) }),
  );
};
