import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import type { AccountService } from './accounts.service.js';

const Account = Type.Object({ id: Type.Integer(), name: Type.String(), createdAt: Timestamp });
const schemaBase = { tags: ['account'], security: [{ bearerAuth: [] }] };

export const accountRoutes: FastifyPluginAsyncTypebox<{ accounts: AccountService }> = async (app, { accounts }) => {
  app.get(
    '/',
    {
      preHandler: app.authenticate,
      schema: { ...schemaBase, summary: 'The current account', response: { 200: Type.Object({ account: Account }), ...errorResponses } },
    },
    async (request) => ({ account: await accounts.get(request.auth) }),
  );

  app.patch(
    '/',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...schemaBase,
        summary: 'Rename the account (administrators)',
        body: Type.Object({ name: Type.Optional(Name()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ account: Account }), ...errorResponses },
      },
    },
    async (request) => ({ account: await accounts.update(request.auth, request.body) }),
  );
};
