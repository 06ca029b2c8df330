import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import type { ConversationService } from '../conversations/conversations.service.js';
import { Classification, ClassifyBody } from './ai.schema.js';
import type { ClassificationService } from './classification.service.js';

const schemaBase = { tags: ['ai'], security: [{ bearerAuth: [] }] };

export const aiRoutes: FastifyPluginAsyncTypebox<{
  classifications: ClassificationService;
  conversations: Pick<ConversationService, 'get'>;
}> = async (app, { classifications, conversations }) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/api/conversations/:id/classification',
    {
      schema: {
        ...schemaBase,
        summary: "The AI's classification of the conversation's latest customer message; 404 until there is one",
        params: IdParams,
        response: { 200: Type.Object({ classification: Classification }), ...errorResponses },
      },
    },
    async (request) => {
      await conversations.get(request.auth, request.params.id); // 404 for another account's conversation
      return { classification: await classifications.latestFor(request.auth, request.params.id) };
    },
  );

  app.post(
    '/api/ai/classify',
    {
      schema: {
        ...schemaBase,
        summary: 'Classify a text now, as a customer message would be (stores nothing)',
        body: ClassifyBody,
        response: { 200: Type.Object({ classification: Classification }), ...errorResponses },
      },
    },
    async (request) => ({ classification: await classifications.preview(request.auth, request.body.text) }),
  );
};
