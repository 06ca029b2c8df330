import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Email, IdParams, Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import { AccountRoleSchema, Password } from '../auth/auth.schema.js';
import type { AgentService } from './agents.service.js';

const Agent = Type.Object(
  {
    id: Type.Integer({ description: 'The user id' }),
    name: Type.String(),
    email: Type.String(),
    role: AccountRoleSchema,
    confirmed: Type.Boolean({ description: 'False until an invited agent has chosen a password' }),
    createdAt: Timestamp,
  },
);
const schemaBase = { tags: ['agents'], security: [{ bearerAuth: [] }] };

export const agentRoutes: FastifyPluginAsyncTypebox<{ agents: AgentService }> = async (app, { agents }) => {
  app.get(
    '/',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'Agents of the account', response: { 200: Type.Object({ data: Type.Array(Agent) }), ...errorResponses } },
    },
    async (request) => ({ data: await agents.list(request.auth) }),
  );

  app.post(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Add or invite an agent (administrators)',
        description:
          'Without `password` the answer carries an `invitationToken` for `POST /api/auth/accept-invitation`. ' +
          'A person who already has a HummDesk login (same e-mail) is added to this account as they are.',
        body: Type.Object(
          { name: Name(), email: Email, role: Type.Optional(AccountRoleSchema), password: Type.Optional(Password) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ agent: Agent, invitationToken: Type.Optional(Type.String()) }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await agents.create(request.auth, request.body)),
  );

  app.get(
    '/:id',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'One agent', params: IdParams, response: { 200: Type.Object({ agent: Agent }), ...errorResponses } },
    },
    async (request) => ({ agent: await agents.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: "Change an agent's role (administrators)",
        description: 'A name belongs to the person, who may work in other accounts too: they change it with PATCH /api/auth/me.',
        params: IdParams,
        body: Type.Object({ role: AccountRoleSchema }, { additionalProperties: false }),
        response: { 200: Type.Object({ agent: Agent }), ...errorResponses },
      },
    },
    async (request) => ({ agent: await agents.update(request.auth, request.params.id, request.body) }),
  );

  app.delete(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Remove an agent from the account (administrators); their conversations become unassigned',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await agents.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
