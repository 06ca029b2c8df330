import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Name, Timestamp, errorResponses } from '../../platform/schemas.js';
import type { AccountService } from './accounts.service.js';

const AiRouting = Type.Object({
  enabled: Type.Boolean({ description: 'Route AI-classified conversations to the suggested team and online agent' }),
  threshold: Type.Number({ minimum: 0, maximum: 1, description: 'Confidence a classification needs to route' }),
});
const AiDrafts = Type.Object({
  enabled: Type.Boolean({ description: 'Write a reply draft for every classified customer message' }),
});
const Account = Type.Object({ id: Type.Integer(), name: Type.String(), aiRouting: AiRouting, aiDrafts: AiDrafts, createdAt: Timestamp });
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
        summary: 'Rename the account or set its AI routing and automatic drafts (administrators)',
        body: Type.Object(
          {
            name: Type.Optional(Name()),
            aiRouting: Type.Optional(
              Type.Object(
                { enabled: Type.Optional(Type.Boolean()), threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) },
                { additionalProperties: false, minProperties: 1 },
              ),
            ),
            aiDrafts: Type.Optional(Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ account: Account }), ...errorResponses },
      },
    },
    async (request) => ({ account: await accounts.update(request.auth, request.body) }),
  );
};
