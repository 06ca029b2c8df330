import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { sessionOf } from '../../platform/auth.js';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import { AccessToken, CreatedAccessToken, NewAccessTokenBody } from './access-tokens.schema.js';
import type { AccessTokenService } from './access-tokens.service.js';

const schemaBase = { tags: ['access tokens'], security: [{ bearerAuth: [] }] };

/**
 * Administrators manage the account's access tokens. Making and revoking them needs a signed-in
 * person: a token that could mint tokens would outlive its own revocation.
 */
export const accessTokenRoutes: FastifyPluginAsyncTypebox<{ accessTokens: AccessTokenService }> = async (app, { accessTokens }) => {
  app.get(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: "The account's access tokens, newest first (administrators); never the tokens themselves",
        response: { 200: Type.Object({ data: Type.Array(AccessToken) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await accessTokens.list(request.auth) }),
  );

  app.post(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Create an access token for an integration (administrators, signed in)',
        description:
          'The token acts as its creator, with their role, on every route a login token reaches (`read`: GET only), until it expires, ' +
          'is revoked, or its creator leaves the account. It is in this answer only; the server keeps its SHA-256. At most 100 per account.',
        body: NewAccessTokenBody,
        response: { 201: CreatedAccessToken, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await accessTokens.create(sessionOf(request), request.body)),
  );

  app.delete(
    '/:id',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Revoke an access token: it stops working at once (administrators, signed in)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await accessTokens.revoke(sessionOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
