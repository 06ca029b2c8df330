/**
 * The public client API under `/api/public/inboxes/:inboxIdentifier` (no agent login): a contact
 * is created, then acts with its contact token. Every request is limited per client address;
 * contacts created per address an hour, messages per contact a minute. A browser may call it
 * only from the inbox's allowed websites (CORS here, not the app's CORS_ORIGIN); a server (no
 * Origin header) always may.
 */
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { bearerOf } from '../../platform/auth.js';
import { InvalidContactTokenError } from '../../platform/contact-tokens.js';
import { AppError } from '../../platform/errors.js';
import { rateLimit } from '../../platform/rate-limits.js';
import { outsideAppCors } from '../../platform/public-cors.js';
import { errorResponses } from '../../platform/schemas.js';
import { formBody } from '../attachments/attachments.schema.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import { ListMessagesQuery } from '../conversations/conversations.schema.js';
import { originAllowed, type ContactScope, type PublicApiService, type PublicInbox } from './public-api.service.js';
import {
  CreateContactBody,
  CreateConversationBody,
  CreateMessageBody,
  CreateMessageForm,
  PublicContact,
  PublicConversation,
  PublicMessage,
  PublicWidget,
  toPublicWidget,
  UpdateContactBody,
} from './public-api.shapes.js';

export interface PublicApiLimits {
  requestsPerMinute: number;
  contactsPerHour: number;
  messagesPerMinute: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The inbox the path names (public client API). */
    publicInbox: PublicInbox;
    /** The contact the token names (public client API). */
    contact: ContactScope;
  }
}

/** JSON bodies here are small: a message of 10,000 characters, escaped, fits with room to spare. */
const BODY_LIMIT = 128 * 1024;
const ALLOWED_HEADERS = 'authorization, content-type, x-request-id';

const InboxParams = { inboxIdentifier: Type.String({ maxLength: 100, description: "The inbox's public identifier" }) };
const ContactParams = Type.Object({
  ...InboxParams,
  contactIdentifier: Type.String({ maxLength: 100, description: 'The contact identifier POST /contacts answered' }),
});
const ConversationParams = Type.Object({ ...ContactParams.properties, conversationId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

const tags = ['public client API'];
const contactSecurity = [{ contactToken: [] }];

export const publicApiRoutes: FastifyPluginAsyncTypebox<{ publicApi: PublicApiService; limits: PublicApiLimits; attachments: AttachmentService }> = async (
  app,
  { publicApi, limits, attachments },
) => {
  outsideAppCors(app);
  app.decorateRequest('publicInbox', null as unknown as PublicInbox);
  app.decorateRequest('contact', null as unknown as ContactScope);
  // A message may come as a form with files; its handler reads it (after the token) as it streams in.
  await app.register(multipart);

  // Counted before anything touches the database.
  app.addHook('onRequest', rateLimit(app, 'public-api', { max: limits.requestsPerMinute, timeWindow: 60_000, key: (request) => request.ip }));

  /**
   * The inbox of the path, and whether the request's Origin is one of its websites (then CORS
   * headers go out, errors included), before the body is looked at.
   */
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const inbox = await publicApi.findInbox((request.params as { inboxIdentifier: string }).inboxIdentifier);
    const origin = request.headers.origin;
    if (!originAllowed(inbox, origin)) {
      throw new AppError(
        403,
        'origin_not_allowed',
        `This inbox does not accept requests from ${String(origin).slice(0, 200)}: add the website to the widget's allowed origins`,
      );
    }
    if (origin !== undefined) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', 'x-request-id, retry-after');
    }
    request.publicInbox = inbox;
  });

  const contactLimit = rateLimit(app, 'public-contact', { max: limits.contactsPerHour, timeWindow: 3_600_000, key: (request) => request.ip });
  const messageLimit = rateLimit(app, 'public-message', {
    max: limits.messagesPerMinute,
    timeWindow: 60_000,
    key: (request) => String(request.contact.contactInboxId),
  });

  /** The contact token of `Authorization: Bearer`, of this inbox and of the contact the path names. */
  async function authenticateContact(request: FastifyRequest) {
    const token = bearerOf(request.headers.authorization);
    if (token === undefined) throw new InvalidContactTokenError('Send the contact token as Authorization: Bearer <token>');
    request.contact = await publicApi.authenticate(request.publicInbox, token, (request.params as { contactIdentifier: string }).contactIdentifier);
  }

  // A browser asks before sending a token or JSON; the answer depends on the inbox's websites.
  app.options('/*', { schema: { hide: true } }, async (request, reply) =>
    reply
      .status(204)
      .header('access-control-allow-methods', 'GET, POST, PATCH')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send(),
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "The inbox's widget: its name, colour, greeting, and whether it asks for a name and e-mail or a signed identity (no token)",
        params: Type.Object(InboxParams),
        response: { 200: Type.Object({ inbox: PublicWidget }), ...errorResponses },
      },
    },
    async (request) => ({ inbox: toPublicWidget(request.publicInbox) }),
  );

  app.post(
    '/contacts',
    {
      bodyLimit: BODY_LIMIT,
      preHandler: contactLimit,
      schema: {
        tags,
        summary: 'Create a contact: answers its identifier and its contact token',
        description:
          'With `identifier` and `identifierHash` = HMAC-SHA256(inbox secret, identifier) in hex, the contact is the account’s person with that identifier ' +
          '(verified); an inbox that requires identities refuses contacts without a valid hash (401 `identity_required`, `invalid_identifier_hash`). ' +
          'Without a hash, an `identifier` links to nobody.',
        params: Type.Object(InboxParams),
        body: CreateContactBody,
        response: { 201: Type.Object({ contact: PublicContact, token: Type.String({ description: 'The contact token' }) }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await publicApi.createContact(request.publicInbox, request.body)),
  );

  app.get(
    '/contacts/:contactIdentifier',
    {
      preHandler: authenticateContact,
      schema: {
        tags,
        security: contactSecurity,
        summary: 'The contact',
        params: ContactParams,
        response: { 200: Type.Object({ contact: PublicContact }), ...errorResponses },
      },
    },
    async (request) => ({ contact: await publicApi.getContact(request.contact) }),
  );

  app.patch(
    '/contacts/:contactIdentifier',
    {
      bodyLimit: BODY_LIMIT,
      preHandler: authenticateContact,
      schema: {
        tags,
        security: contactSecurity,
        summary: "Change the contact's name or e-mail",
        params: ContactParams,
        body: UpdateContactBody,
        response: { 200: Type.Object({ contact: PublicContact }), ...errorResponses },
      },
    },
    async (request) => ({ contact: await publicApi.updateContact(request.contact, request.body) }),
  );

  app.get(
    '/contacts/:contactIdentifier/conversations',
    {
      preHandler: authenticateContact,
      schema: {
        tags,
        security: contactSecurity,
        summary: "The contact's conversations in this inbox, latest activity first",
        params: ContactParams,
        response: { 200: Type.Object({ data: Type.Array(PublicConversation) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await publicApi.listConversations(request.contact) }),
  );

  app.post(
    '/contacts/:contactIdentifier/conversations',
    {
      bodyLimit: BODY_LIMIT,
      preHandler: [authenticateContact, messageLimit],
      schema: {
        tags,
        security: contactSecurity,
        summary: 'Open a conversation, with its first message if given',
        params: ContactParams,
        body: CreateConversationBody,
        response: { 201: Type.Object({ conversation: PublicConversation, message: Type.Union([PublicMessage, Type.Null()]) }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await publicApi.openConversation(request.contact, request.body.message)),
  );

  app.get(
    '/contacts/:contactIdentifier/conversations/:conversationId',
    {
      preHandler: authenticateContact,
      schema: {
        tags,
        security: contactSecurity,
        summary: 'One conversation of the contact',
        params: ConversationParams,
        response: { 200: Type.Object({ conversation: PublicConversation }), ...errorResponses },
      },
    },
    async (request) => ({ conversation: await publicApi.getConversation(request.contact, request.params.conversationId) }),
  );

  app.get(
    '/contacts/:contactIdentifier/conversations/:conversationId/messages',
    {
      preHandler: authenticateContact,
      schema: {
        tags,
        security: contactSecurity,
        summary: "The conversation's messages the contact may see (never private notes), oldest first (or newest first with order=desc)",
        params: ConversationParams,
        querystring: ListMessagesQuery,
        response: { 200: Type.Object({ data: Type.Array(PublicMessage), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (request) => publicApi.listMessages(request.contact, request.params.conversationId, request.query),
  );

  app.post(
    '/contacts/:contactIdentifier/conversations/:conversationId/messages',
    {
      bodyLimit: BODY_LIMIT,
      preHandler: [authenticateContact, messageLimit],
      schema: {
        tags,
        security: contactSecurity,
        summary: 'The contact writes (a resolved conversation reopens); with files, as multipart/form-data',
        params: ConversationParams,
        body: {
          content: {
            'application/json': { schema: CreateMessageBody },
            'multipart/form-data': { schema: formBody(CreateMessageForm, attachments.limits) },
          },
        },
        response: { 201: Type.Object({ message: PublicMessage }), ...errorResponses, 413: errorResponses[400], 415: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const { contact, params } = request;
      const message = request.isMultipart()
        ? await attachments.receive(
            request,
            reply,
            { accountId: contact.accountId, conversationId: params.conversationId, check: () => publicApi.getConversation(contact, params.conversationId) },
            CreateMessageForm,
            (fields, files) => publicApi.addMessage(contact, params.conversationId, fields.content ?? '', files),
          )
        : await publicApi.addMessage(contact, params.conversationId, (request.body as Static<typeof CreateMessageBody>).content);
      return reply.status(201).send({ message });
    },
  );
};
