import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NotFoundError } from '../../platform/errors.js';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import type { TenantContext } from '../../platform/tenancy.js';
import type { ConversationService } from '../conversations/conversations.service.js';
import { Message } from '../conversations/conversations.schema.js';
import { Classification, ClassifyBody, CorrectionBody, Draft, DraftRequestBody, PutTaxonomyBody, SendDraftBody, Taxonomy, Training } from './ai.schema.js';
import type { ClassificationService } from './classification.service.js';
import type { DraftService } from './draft.service.js';
import type { TaxonomyService } from './taxonomy.service.js';

const schemaBase = { tags: ['ai'], security: [{ bearerAuth: [] }] };

export const aiRoutes: FastifyPluginAsyncTypebox<{
  classifications: ClassificationService;
  taxonomy: TaxonomyService;
  drafts: DraftService;
  conversations: Pick<ConversationService, 'get'>;
}> = async (app, { classifications, taxonomy, drafts, conversations }) => {
  app.addHook('preHandler', app.authenticate);

  /**
   * The conversation's latest classification or draft. Found, the conversation is the account's
   * (row security shows no other account's rows); not found, the 404 says which is missing: the
   * conversation (another account's, or none) or only its classification or draft.
   */
  async function latestOf<T>(auth: TenantContext, conversationId: number, latestFor: (auth: TenantContext, conversationId: number) => Promise<T>) {
    try {
      return await latestFor(auth, conversationId);
    } catch (error) {
      if (error instanceof NotFoundError) await conversations.get(auth, conversationId);
      throw error;
    }
  }

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
    async (request) => ({ classification: await latestOf(request.auth, request.params.id, classifications.latestFor) }),
  );

  app.patch(
    '/api/conversations/:id/classification',
    {
      schema: {
        ...schemaBase,
        summary: "Correct the AI's classification; a category correction teaches the account's model",
        params: IdParams,
        body: CorrectionBody,
        response: { 200: Type.Object({ classification: Classification }), ...errorResponses },
      },
    },
    async (request) => {
      await conversations.get(request.auth, request.params.id);
      return { classification: await taxonomy.correct(request.auth, request.params.id, request.body) };
    },
  );

  app.get(
    '/api/ai/taxonomy',
    {
      schema: {
        ...schemaBase,
        summary: "The account's categories, their examples and the model's training state",
        response: { 200: Taxonomy, ...errorResponses },
      },
    },
    async (request) => taxonomy.get(request.auth),
  );

  app.get(
    '/api/ai/training',
    {
      schema: {
        ...schemaBase,
        // What a page showing progress asks for every few seconds: not the taxonomy's 50,000 examples.
        summary: "The account's model training state and progress alone",
        response: { 200: Type.Object({ training: Training }), ...errorResponses },
      },
    },
    async (request) => ({ training: await taxonomy.training(request.auth) }),
  );

  app.put(
    '/api/ai/taxonomy',
    {
      preHandler: app.requireAdmin,
      // Up to 50,000 examples in one request, of 330 bytes on average at most (a support message's
      // first lines); a larger body is refused with 413 before it is parsed.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        ...schemaBase,
        summary: "Replace the account's categories and examples (administrators); a new model trains in the background",
        body: PutTaxonomyBody,
        response: { 200: Taxonomy, ...errorResponses, 413: errorResponses[400] },
      },
    },
    async (request) => taxonomy.replace(request.auth, request.body.categories),
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

  app.get(
    '/api/conversations/:id/drafts',
    {
      schema: {
        ...schemaBase,
        summary: 'The latest AI reply draft of the conversation, with its knowledge-base sources; 404 until there is one',
        params: IdParams,
        response: { 200: Type.Object({ draft: Draft }), ...errorResponses },
      },
    },
    async (request) => ({ draft: await latestOf(request.auth, request.params.id, drafts.latestFor) }),
  );

  app.post(
    '/api/ai/draft',
    {
      schema: {
        ...schemaBase,
        summary: 'Write a (new) reply draft for a customer message; it arrives as `ai:draft` and at GET /api/conversations/:id/drafts',
        body: DraftRequestBody,
        response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send(await drafts.request(request.auth, request.body.messageId)),
  );

  app.post(
    '/api/ai/drafts/:id/send',
    {
      // `curl -X POST .../send` (no body at all) sends the draft as it is.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        ...schemaBase,
        summary: "Send the draft as the agent's reply: as it is (accepted) or with the agent's changes (edited)",
        params: IdParams,
        body: SendDraftBody,
        response: { 200: Type.Object({ draft: Draft, message: Message }), ...errorResponses },
      },
    },
    async (request) => drafts.send(request.auth, request.params.id, request.body),
  );

  app.post(
    '/api/ai/drafts/:id/discard',
    {
      schema: {
        ...schemaBase,
        summary: 'Discard the draft (counted in the draft outcome metrics)',
        params: IdParams,
        response: { 200: Type.Object({ draft: Draft }), ...errorResponses },
      },
    },
    async (request) => ({ draft: await drafts.discard(request.auth, request.params.id) }),
  );
};
