import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import type { InboxService } from './inboxes.service.js';

const ChannelType = Type.Union([Type.Literal('api'), Type.Literal('web_widget'), Type.Literal('email')]);
const Inbox = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  channelType: ChannelType,
  defaultTeamId: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Timestamp,
});
const InboxFields = {
  channelType: Type.Optional(ChannelType),
  defaultTeamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()])),
};
const schemaBase = { tags: ['inboxes'], security: [{ bearerAuth: [] }] };

export const inboxRoutes: FastifyPluginAsyncTypebox<{ inboxes: InboxService }> = async (app, { inboxes }) => {
  app.get(
    '/',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'Inboxes of the account', response: { 200: Type.Object({ data: Type.Array(Inbox) }), ...errorResponses } },
    },
    async (request) => ({ data: await inboxes.list(request.auth) }),
  );

  app.post(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Create an inbox (administrators)',
        body: Type.Object({ name: Name(100), ...InboxFields }, { additionalProperties: false }),
        response: { 201: Type.Object({ inbox: Inbox }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ inbox: await inboxes.create(request.auth, request.body) }),
  );

  app.get(
    '/:id',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'One inbox', params: IdParams, response: { 200: Type.Object({ inbox: Inbox }), ...errorResponses } },
    },
    async (request) => ({ inbox: await inboxes.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Change an inbox (administrators)',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name(100)), ...InboxFields }, { additionalProperties: false }),
        response: { 200: Type.Object({ inbox: Inbox }), ...errorResponses },
      },
    },
    async (request) => ({ inbox: await inboxes.update(request.auth, request.params.id, request.body) }),
  );

  app.delete(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Delete an inbox and its conversations (administrators)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await inboxes.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
