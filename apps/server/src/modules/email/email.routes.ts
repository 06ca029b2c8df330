import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { rateLimit } from '../../platform/rate-limits.js';
import { IdParams, errorResponses } from '../../platform/schemas.js';
import { MAX_CREDENTIAL_LENGTH } from '../inboxes/email-settings.js';
import type { ConnectionTests } from './connection-test.js';

const ConnectionTestBody = Type.Object(
  {
    server: Type.Union([Type.Literal('smtp'), Type.Literal('imap')]),
    settings: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
          secure: Type.Optional(Type.Boolean()),
          user: Type.Optional(Type.String({ maxLength: MAX_CREDENTIAL_LENGTH })),
          password: Type.Optional(Type.String({ maxLength: MAX_CREDENTIAL_LENGTH })),
          mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        {
          additionalProperties: false,
          description: 'Fields to try instead of the saved ones (a form not saved yet); a saved password is only sent to the saved host',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const ConnectionTestResult = Type.Union([
  Type.Object({ ok: Type.Literal(true) }),
  Type.Object({
    ok: Type.Literal(false),
    stage: Type.Union(
      [
        Type.Literal('resolve'),
        Type.Literal('refused_destination'),
        Type.Literal('connect'),
        Type.Literal('tls'),
        Type.Literal('auth'),
        Type.Literal('mailbox'),
      ],
      { description: 'The step that failed: resolving the host, a private address refused, connecting, TLS, logging in, opening the folder' },
    ),
    message: Type.String({ description: 'What failed, in words (never a password)' }),
  }),
]);

/** Connection tests reach out to servers an administrator names: a budget per account. */
const TESTS_PER_MINUTE = 20;

export const emailRoutes: FastifyPluginAsyncTypebox<{ connectionTests: ConnectionTests }> = async (app, { connectionTests }) => {
  const budget = rateLimit(app, 'email-connection-test', { max: TESTS_PER_MINUTE, timeWindow: 60_000, key: (request) => String(request.auth.accountId) });

  app.post(
    '/:id/email/test',
    {
      preHandler: [app.requireAdmin, budget],
      schema: {
        tags: ['inboxes'],
        security: [{ bearerAuth: [] }],
        summary: "Try an e-mail inbox's SMTP relay or IMAP mailbox (administrators): connect, log in, open the folder",
        params: IdParams,
        body: ConnectionTestBody,
        response: { 200: ConnectionTestResult, ...errorResponses },
      },
    },
    async (request) => connectionTests.test(request.auth, request.params.id, request.body),
  );
};
