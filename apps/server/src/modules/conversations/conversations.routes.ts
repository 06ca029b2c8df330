import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import {
  Conversation,
  ConversationMeta,
  ConversationMetaQuery,
  ConversationPage,
  CreateConversationBody,
  CreateMessageBody,
  ListConversationsQuery,
  ListMessagesQuery,
  Message,
  MessagePage,
  UpdateConversationBody,
} from './conversations.schema.js';
import type { ConversationService } from './conversations.service.js';

const schemaBase = { tags: ['conversations'], security: [{ bearerAuth: [] }] };

export const conversationRoutes: FastifyPluginAsyncTypebox<{ conversations: ConversationService }> = async (app, { conversations }) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/',
    {
      schema: {
        ...schemaBase,
        summary: 'The inbox: conversations by latest activity, filtered',
        querystring: ListConversationsQuery,
        response: { 200: ConversationPage, ...errorResponses },
      },
    },
    async (request) => conversations.list(request.auth, request.query),
  );

  app.get(
    '/meta',
    {
      schema: {
        ...schemaBase,
        summary: "The inbox tabs' counts: mine, unassigned and all, under the list's filters",
        description:
          'Counts the conversations the list would show with the same filters (status, teamId, inboxId, priority, category, label, q), ' +
          'for each assignee tab: assigned to the caller, to nobody, and all of them. Unknown parameters are refused.',
        querystring: ConversationMetaQuery,
        response: { 200: ConversationMeta, ...errorResponses },
      },
    },
    async (request) => conversations.meta(request.auth, request.query),
  );

  app.post(
    '/',
    {
      schema: {
        ...schemaBase,
        summary: "Open a conversation with the contact's first (incoming) message",
        body: CreateConversationBody,
        response: { 201: Type.Object({ conversation: Conversation, message: Message }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await conversations.open(request.auth, request.body)),
  );

  app.get(
    '/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'One conversation',
        params: IdParams,
        response: { 200: Type.Object({ conversation: Conversation }), ...errorResponses },
      },
    },
    async (request) => ({ conversation: await conversations.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      schema: {
        ...schemaBase,
        summary: 'Change status, priority, assignee, team, labels or snooze',
        params: IdParams,
        body: UpdateConversationBody,
        response: { 200: Type.Object({ conversation: Conversation }), ...errorResponses },
      },
    },
    async (request) => ({ conversation: await conversations.update(request.auth, request.params.id, request.body) }),
  );

  app.get(
    '/:id/messages',
    {
      schema: {
        ...schemaBase,
        summary: 'Messages of a conversation, oldest first (or newest first with order=desc)',
        params: IdParams,
        querystring: ListMessagesQuery,
        response: { 200: MessagePage, ...errorResponses },
      },
    },
    async (request) => conversations.listMessages(request.auth, request.params.id, request.query),
  );

  app.post(
    '/:id/messages',
    {
      schema: {
        ...schemaBase,
        summary: 'Reply, add a private note, or relay a customer message',
        params: IdParams,
        body: CreateMessageBody,
        response: { 201: Type.Object({ message: Message }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ message: await conversations.addMessage(request.auth, request.params.id, request.body) }),
  );
};
