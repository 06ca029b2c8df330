import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { sessionOf } from '../../platform/auth.js';
import { IdParams, Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import { ChannelSettings } from './channel-settings.js';
import type { InboxService } from './inboxes.service.js';

const ChannelType = Type.Union([Type.Literal('api'), Type.Literal('web_widget'), Type.Literal('email')]);
const Inbox = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  channelType: ChannelType,
  defaultTeamId: Type.Union([Type.Integer(), Type.Null()]),
  identifier: Type.String({ description: 'The public, unguessable name of the inbox: the widget snippet and the public client API use it' }),
  settings: ChannelSettings,
  secret: Type.Optional(
    Type.String({
      description:
        "Shown to an administrator's session only, never to an access token. Signs the API channel's callbacks and verifies identities (identifierHash = HMAC-SHA256(secret, identifier), hex)",
    }),
  ),
  createdAt: Timestamp,
});
const InboxFields = {
  channelType: Type.Optional(ChannelType),
  defaultTeamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()])),
  // Checked by the channel's own rules (a 422 invalid_settings naming the field), not here.
  settings: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description:
        'web_widget: `{color, greeting, allowedOrigins, preChatForm, requireIdentity}`; api: `{callbackUrl}` (null removes it); email: `{address, smtp: {host, port, secure, user?, password?}, imap?: {host, port, secure, user, password, mailbox?} (null removes it), inboundSecret?}` (passwords are write-only: left out, the stored one is kept). The fields given replace the stored ones',
    }),
  ),
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

  app.post(
    '/:id/rotate-secret',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: "Replace the inbox's secret (administrators, signed in: not an access token): identities signed with the old one stop verifying",
        params: IdParams,
        response: { 200: Type.Object({ inbox: Inbox }), ...errorResponses },
      },
    },
    async (request) => ({ inbox: await inboxes.rotateSecret(sessionOf(request), request.params.id) }),
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
