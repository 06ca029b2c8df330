import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CursorQuery } from '../../platform/pagination.js';
import { Email, IdParams, Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import type { ContactService } from './contacts.service.js';

const Contact = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const ContactFields = {
  email: Type.Optional(Type.Union([Email, Type.Null()])),
  phone: Type.Optional(Type.Union([Type.String({ maxLength: 40, pattern: '^[+0-9 ()./-]*$' }), Type.Null()])),
  attributes: Type.Optional(
    Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
      maxProperties: 50,
      description: 'Free attributes an integration keeps on the contact (plan, VIP, external id, ...)',
    }),
  ),
};
const schemaBase = { tags: ['contacts'], security: [{ bearerAuth: [] }] };

export const contactRoutes: FastifyPluginAsyncTypebox<{ contacts: ContactService }> = async (app, { contacts }) => {
  app.get(
    '/',
    {
      preHandler: app.authenticate,
      schema: {
        ...schemaBase,
        summary: 'Contacts, newest first',
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), ...CursorQuery }),
        response: {
          200: Type.Object({ data: Type.Array(Contact), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => contacts.list(request.auth, request.query),
  );

  app.post(
    '/',
    {
      preHandler: app.authenticate,
      schema: {
        ...schemaBase,
        summary: 'Create a contact',
        body: Type.Object({ name: Type.Optional(Name()), ...ContactFields }, { additionalProperties: false }),
        response: { 201: Type.Object({ contact: Contact }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ contact: await contacts.create(request.auth, request.body) }),
  );

  app.get(
    '/:id',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'One contact', params: IdParams, response: { 200: Type.Object({ contact: Contact }), ...errorResponses } },
    },
    async (request) => ({ contact: await contacts.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      preHandler: app.authenticate,
      schema: {
        ...schemaBase,
        summary: 'Change a contact',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name()), ...ContactFields }, { additionalProperties: false }),
        response: { 200: Type.Object({ contact: Contact }), ...errorResponses },
      },
    },
    async (request) => ({ contact: await contacts.update(request.auth, request.params.id, request.body) }),
  );

  app.delete(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Delete a contact and their conversations (administrators)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await contacts.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
