import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../platform/schemas.js';
import {
  AcceptInvitationBody,
  AccountSummary,
  LoginBody,
  RegisterBody,
  Session,
  SwitchAccountBody,
  UpdateMeBody,
  User,
} from './auth.schema.js';
import type { AuthService } from './auth.service.js';

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; loginRateLimit: number }> = async (app, opts) => {
  const { auth } = opts;

  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and its first administrator',
        body: RegisterBody,
        response: { 201: Session, ...errorResponses },
      },
      config: { rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' } },
    },
    async (request, reply) => reply.status(201).send(await auth.register(request.body)),
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with e-mail and password',
        body: LoginBody,
        response: { 200: Session, ...errorResponses },
      },
      // Per client address and e-mail: guessing one user's password is slowed down without
      // letting one address lock everybody else out. Counted in preHandler, where the body
      // (and so the e-mail) has been parsed; in onRequest every e-mail would share one key.
      config: {
        rateLimit: {
          hook: 'preHandler',
          max: opts.loginRateLimit,
          timeWindow: '1 minute',
          keyGenerator: (request) =>
            `${request.ip}|${String((request.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase()}`,
        },
      },
    },
    async (request) => auth.login(request.body),
  );

  app.post(
    '/accept-invitation',
    {
      schema: {
        tags: ['auth'],
        summary: 'Accept an invitation by choosing a password',
        body: AcceptInvitationBody,
        response: { 200: Session, ...errorResponses },
      },
      config: { rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' } },
    },
    async (request) => auth.acceptInvitation(request.body),
  );

  app.get(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The current user, account and role',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Object({ user: User, account: AccountSummary, accounts: Type.Array(AccountSummary) }), ...errorResponses },
      },
    },
    async (request) => auth.me(request.auth),
  );

  app.patch(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Change your own name or password',
        security: [{ bearerAuth: [] }],
        body: UpdateMeBody,
        response: { 200: Type.Object({ user: User, account: AccountSummary, accounts: Type.Array(AccountSummary) }), ...errorResponses },
      },
    },
    async (request) => auth.updateMe(request.auth, request.body),
  );

  app.post(
    '/switch-account',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Get a token for another account of the same user',
        security: [{ bearerAuth: [] }],
        body: SwitchAccountBody,
        response: { 200: Session, ...errorResponses },
      },
    },
    async (request) => auth.switchAccount(request.auth, request.body.accountId),
  );
};
