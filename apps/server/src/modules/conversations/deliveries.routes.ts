import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../platform/schemas.js';
import { Message, MessageParams } from './conversations.schema.js';
import type { MessageDeliveries } from './deliveries.js';

/** Under `/api/conversations/:id/messages/:messageId`: what agents do with a reply sent through a channel. */
export const messageDeliveryRoutes: FastifyPluginAsyncTypebox<{ deliveries: MessageDeliveries }> = async (app, { deliveries }) => {
  app.addHook('preHandler', app.authenticate);

  app.post(
    '/:id/messages/:messageId/retry',
    {
      schema: {
        tags: ['conversations'],
        security: [{ bearerAuth: [] }],
        summary: 'Send a failed e-mail reply again',
        description:
          'Queues a reply whose sending failed (deliveryStatus `failed`) to be sent again, with the same Message-ID; `message:updated` tells of each change. ' +
          'A reply that is queued or sent answers 409; a contact still without an e-mail address, 422.',
        params: MessageParams,
        response: { 202: Type.Object({ message: Message }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send({ message: await deliveries.retry(request.auth, request.params.id, request.params.messageId) }),
  );
};
