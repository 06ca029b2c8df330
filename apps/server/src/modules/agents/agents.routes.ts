import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { sessionOf } from '../../platform/auth.js';
import { rateLimit } from '../../platform/rate-limits.js';
import { Email, IdParams, Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import { AccountRoleSchema, Password } from '../auth/auth.schema.js';
import type { AgentService } from './agents.service.js';

const Agent = Type.Object({
  id: Type.Integer({ description: 'The user id' }),
  name: Type.String(),
  email: Type.String(),
  role: AccountRoleSchema,
  createdAt: Timestamp,
});
const Invitation = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: AccountRoleSchema,
  expiresAt: Timestamp,
  createdAt: Timestamp,
});
const InvitationWithToken = Type.Object({
  invitation: Invitation,
  invitationToken: Type.String({ description: 'Shown once: send it to the person, who accepts with POST /api/auth/accept-invitation' }),
});
const schemaBase = { tags: ['agents'], security: [{ bearerAuth: [] }] };

/**
 * preHandler: who may sign in, and as what, is decided by a signed-in person, never by an access
 * token: a login or invitation a token made would outlive the token's revocation.
 */
const personOnly = async (request: FastifyRequest) => {
  sessionOf(request);
};

export const agentRoutes: FastifyPluginAsyncTypebox<{ agents: AgentService; invitationRateLimit: number }> = async (app, opts) => {
  const { agents } = opts;
  const invitationBudget = rateLimit(app, 'invitations-account', {
    max: opts.invitationRateLimit,
    timeWindow: '1 hour',
    key: (request) => String(request.auth.accountId),
  });

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
      preHandler: [app.requireAdmin, personOnly, invitationBudget],
      schema: {
        ...schemaBase,
        summary: 'Invite an agent, or create a new login (administrators, signed in: not an access token)',
        description:
          'Without `password`: an invitation, whose `invitationToken` the person accepts with `POST /api/auth/accept-invitation` ' +
          '(nobody joins an account without accepting; the answer is the same whether or not the e-mail has a login). ' +
          'With `password`: a new login and member at once; an e-mail that already has a login is refused (409 `email_registered`).',
        body: Type.Object(
          { name: Name(), email: Email, role: Type.Optional(AccountRoleSchema), password: Type.Optional(Password) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Union([Type.Object({ agent: Agent }), InvitationWithToken]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { password, ...person } = request.body;
      if (password !== undefined) return reply.status(201).send({ agent: await agents.createWithPassword(request.auth, { ...person, password }) });
      const { invitation, token } = await agents.invite(request.auth, person);
      return reply.status(201).send({ invitation, invitationToken: token });
    },
  );

  app.get(
    '/invitations',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Pending invitations (administrators)',
        response: { 200: Type.Object({ data: Type.Array(Invitation) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await agents.invitations(request.auth) }),
  );

  app.post(
    '/invitations/:id/renew',
    {
      preHandler: [app.requireAdmin, personOnly, invitationBudget],
      schema: {
        ...schemaBase,
        summary: 'A new token and expiry for a pending invitation; the old token stops working (administrators, signed in)',
        params: IdParams,
        response: { 200: InvitationWithToken, ...errorResponses },
      },
    },
    async (request) => {
      const { invitation, token } = await agents.renewInvitation(request.auth, request.params.id);
      return { invitation, invitationToken: token };
    },
  );

  app.delete(
    '/invitations/:id',
    {
      preHandler: [app.requireAdmin, personOnly],
      schema: {
        ...schemaBase,
        summary: 'Revoke a pending invitation (administrators, signed in)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await agents.revokeInvitation(request.auth, request.params.id);
      return reply.status(204).send(null);
    },
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
      preHandler: [app.requireAdmin, personOnly],
      schema: {
        ...schemaBase,
        summary: "Change an agent's role (administrators, signed in: not an access token)",
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
        summary: 'Remove an agent from the account (administrators): their open sockets close at once, their conversations become unassigned',
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
