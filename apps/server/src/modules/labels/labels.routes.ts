import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, Timestamp, errorResponses } from '../../platform/schemas.js';
import { LabelTitle } from './labels.schema.js';
import type { LabelService } from './labels.service.js';

const Label = Type.Object({ id: Type.Integer(), title: Type.String(), description: Type.String(), color: Type.String(), createdAt: Timestamp });
const LabelFields = {
  description: Type.Optional(Type.String({ maxLength: 500 })),
  color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
};
const schemaBase = { tags: ['labels'], security: [{ bearerAuth: [] }] };

export const labelRoutes: FastifyPluginAsyncTypebox<{ labels: LabelService }> = async (app, { labels }) => {
  app.get(
    '/',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'Labels of the account', response: { 200: Type.Object({ data: Type.Array(Label) }), ...errorResponses } },
    },
    async (request) => ({ data: await labels.list(request.auth) }),
  );

  app.post(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Create a label (administrators)',
        body: Type.Object({ title: LabelTitle, ...LabelFields }, { additionalProperties: false }),
        response: { 201: Type.Object({ label: Label }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ label: await labels.create(request.auth, request.body) }),
  );

  app.get(
    '/:id',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'One label', params: IdParams, response: { 200: Type.Object({ label: Label }), ...errorResponses } },
    },
    async (request) => ({ label: await labels.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Change a label; a new title is applied to its conversations (administrators)',
        params: IdParams,
        body: Type.Object({ title: Type.Optional(LabelTitle), ...LabelFields }, { additionalProperties: false }),
        response: { 200: Type.Object({ label: Label }), ...errorResponses },
      },
    },
    async (request) => ({ label: await labels.update(request.auth, request.params.id, request.body) }),
  );

  app.delete(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Delete a label and remove it from conversations (administrators)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await labels.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
