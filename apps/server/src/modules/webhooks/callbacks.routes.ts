import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import type { CallbackService } from './callbacks.service.js';
import { DeliveriesQuery, Delivery, DeliveryPage, DeliveryParams } from './webhooks.schema.js';

const schemaBase = { tags: ['inboxes'], security: [{ bearerAuth: [] }] };

/**
 * Under `/api/inboxes/:id`: an API inbox's callback log, administrators only, like a webhook's
 * (the callbacks tell of the account's conversations, and the inbox's settings are theirs).
 */
export const callbackRoutes: FastifyPluginAsyncTypebox<{ callbacks: CallbackService }> = async (app, { callbacks }) => {
  app.addHook('preHandler', app.requireAdmin);

  app.get(
    '/:id/deliveries',
    {
      schema: {
        ...schemaBase,
        summary: "An API inbox's callbacks (agents' replies POSTed to its callback URL), newest first (administrators)",
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryPage, ...errorResponses },
      },
    },
    async (request) => callbacks.deliveries(request.auth, request.params.id, request.query),
  );

  app.post(
    '/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        ...schemaBase,
        summary: "Send a callback again as it was (same id and body, signed anew) to the inbox's callback URL, one attempt (administrators)",
        params: DeliveryParams,
        response: { 202: Type.Object({ delivery: Delivery }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send({ delivery: await callbacks.redeliver(request.auth, request.params.id, request.params.deliveryId) }),
  );
};
