import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import { formBody } from '../attachments/attachments.schema.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import {
  Conversation,
  ConversationMeta,
  ConversationMetaQuery,
  ConversationPage,
  CreateConversationBody,
  CreateMessageBody,
  CreateMessageForm,
  EmailBody,
  ListConversationsQuery,
  ListMessagesQuery,
  Message,
  MessagePage,
  MessageParams,
  UpdateConversationBody,
} from './conversations.schema.js';
import type { ConversationService } from './conversations.service.js';

const schemaBase = { tags: ['conversations'], security: [{ bearerAuth: [] }] };

export const conversationRoutes: FastifyPluginAsyncTypebox<{ conversations: ConversationService; attachments: AttachmentService }> = async (
  app,
  { conversations, attachments },
) => {
  app.addHook('preHandler', app.authenticate);
  // A message may come as a form with files; the handler reads it (after authentication) as it streams in.
  await app.register(multipart);

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

  app.get(
    '/:id/messages/:messageId/email',
    {
      schema: {
        ...schemaBase,
        summary: "An e-mail message's HTML and whole text",
        description:
          'What messages, their socket events and webhooks leave out of `email` (it can be megabytes): the sanitised HTML part and the whole text. ' +
          '`email.hasHtml` and `email.hasMoreText` say whether there is any. 404 for a message that is not an e-mail.',
        params: MessageParams,
        response: { 200: EmailBody, ...errorResponses },
      },
    },
    async (request) => conversations.emailBody(request.auth, request.params.id, request.params.messageId),
  );

  app.post(
    '/:id/messages',
    {
      schema: {
        ...schemaBase,
        summary: 'Reply, add a private note, or relay a customer message; with files, as multipart/form-data',
        params: IdParams,
        body: {
          content: {
            'application/json': { schema: CreateMessageBody },
            'multipart/form-data': { schema: formBody(CreateMessageForm, attachments.limits) },
          },
        },
        response: { 201: Type.Object({ message: Message }), ...errorResponses, 413: errorResponses[400], 415: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const { auth, params } = request;
      const message = request.isMultipart()
        ? await attachments.receive(
            request,
            reply,
            { accountId: auth.accountId, conversationId: params.id, check: () => conversations.get(auth, params.id) },
            CreateMessageForm,
            (fields, files) => conversations.addMessage(auth, params.id, { ...fields, content: fields.content ?? '', attachments: files }),
          )
        : await conversations.addMessage(auth, params.id, request.body as Static<typeof CreateMessageBody>);
      return reply.status(201).send({ message });
    },
  );
};
