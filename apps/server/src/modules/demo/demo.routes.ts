import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NotFoundError } from '../../platform/errors.js';
import { Timestamp, errorResponses } from '../../platform/schemas.js';
import type { DemoService } from './demo.service.js';

const GeneratedTicket = Type.Object({
  conversationId: Type.Integer(),
  message: Type.Object({
    id: Type.Integer(),
    content: Type.String(),
    language: Type.String({ description: 'ISO 639-1 code of the generated message' }),
    createdAt: Timestamp,
  }),
});

export const demoRoutes: FastifyPluginAsyncTypebox<{ demo: DemoService; publicEnabled: boolean }> = async (app, opts) => {
  app.post(
    '/generate-ticket',
    {
      schema: {
        tags: ['demo'],
        summary: 'Create a realistic customer conversation',
        description:
          "With a token: in the caller's account. Without: in the demo account (off when HUMMDESK_DEMO=false). " + 'Languages: en, fi, sv, de, fr, es.',
        response: { 201: GeneratedTicket, ...errorResponses },
      },
      // The unauthenticated form writes to the demo account: keep one client from flooding it.
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      let accountId: number;
      if (request.headers.authorization !== undefined) {
        await app.authenticate(request, reply);
        accountId = request.auth.accountId;
      } else {
        if (!opts.publicEnabled) throw new NotFoundError('Demo endpoint');
        accountId = await opts.demo.demoAccountId();
      }
      const scope = request.auth ? { accountId, userId: request.auth.userId } : { accountId };
      return reply.status(201).send(await opts.demo.generateTicket(scope));
    },
  );
};
