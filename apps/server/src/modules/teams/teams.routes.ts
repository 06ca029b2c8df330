import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { IdParams, Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import type { TeamService } from './teams.service.js';

const Team = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  allowAutoAssign: Type.Boolean({ description: 'Whether AI routing may assign conversations to members' }),
  memberCount: Type.Integer(),
  createdAt: Timestamp,
});
const TeamMember = Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String() });
const TeamFields = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  allowAutoAssign: Type.Optional(Type.Boolean()),
};
const schemaBase = { tags: ['teams'], security: [{ bearerAuth: [] }] };

export const teamRoutes: FastifyPluginAsyncTypebox<{ teams: TeamService }> = async (app, { teams }) => {
  app.get(
    '/',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'Teams of the account', response: { 200: Type.Object({ data: Type.Array(Team) }), ...errorResponses } },
    },
    async (request) => ({ data: await teams.list(request.auth) }),
  );

  app.post(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Create a team (administrators)',
        body: Type.Object({ name: Name(100), ...TeamFields }, { additionalProperties: false }),
        response: { 201: Type.Object({ team: Team }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ team: await teams.create(request.auth, request.body) }),
  );

  app.get(
    '/:id',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'One team', params: IdParams, response: { 200: Type.Object({ team: Team }), ...errorResponses } },
    },
    async (request) => ({ team: await teams.get(request.auth, request.params.id) }),
  );

  app.patch(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Change a team (administrators)',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name(100)), ...TeamFields }, { additionalProperties: false }),
        response: { 200: Type.Object({ team: Team }), ...errorResponses },
      },
    },
    async (request) => ({ team: await teams.update(request.auth, request.params.id, request.body) }),
  );

  app.delete(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: { ...schemaBase, summary: 'Delete a team (administrators)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await teams.remove(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/:id/members',
    {
      preHandler: app.authenticate,
      schema: {
        ...schemaBase,
        summary: 'Members of a team',
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(TeamMember) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await teams.members(request.auth, request.params.id) }),
  );

  app.put(
    '/:id/members',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: "Replace a team's members (administrators)",
        params: IdParams,
        body: Type.Object({ userIds: Type.Array(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), { maxItems: 500 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(TeamMember) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await teams.setMembers(request.auth, request.params.id, request.body.userIds) }),
  );
};
