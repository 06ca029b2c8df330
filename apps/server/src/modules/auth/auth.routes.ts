import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { sessionOf } from '../../platform/auth.js';
import { bodyEmail, rateLimit } from '../../platform/rate-limits.js';
import { errorResponses } from '../../platform/schemas.js';
import { AcceptInvitationBody, AccountSummary, LoginBody, RegisterBody, Session, SessionInfo, SwitchAccountBody, UpdateMeBody, User } from './auth.schema.js';
import type { AuthService } from './auth.service.js';

const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
const security = [{ bearerAuth: [] }];
const Me = Type.Object({ user: User, account: AccountSummary, accounts: Type.Array(AccountSummary) });

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; loginRateLimit: number }> = async (app, opts) => {
  const { auth } = opts;
  const perMinute = opts.loginRateLimit;
  /**
   * Password guesses: per client and e-mail, per client across e-mails (spraying), per e-mail
   * across clients (one login attacked from many addresses; NIST's 100). Registering, which also
   * checks the password of an e-mail that has a login, counts per client an hour and per e-mail.
   */
  const perEmail = rateLimit(app, 'login-email', { max: 10 * perMinute, timeWindow: '1 hour', key: bodyEmail });
  const passwordGuesses = [
    rateLimit(app, 'login-client-email', { max: perMinute, timeWindow: '1 minute', key: (request) => `${request.ip}|${bodyEmail(request)}` }),
    rateLimit(app, 'login-client', { max: 2 * perMinute, timeWindow: '1 minute', key: (request) => request.ip }),
    perEmail,
  ];

  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account and its first administrator',
        description:
          'An e-mail that already has a login creates the new account for that login when the password is its own; ' +
          'otherwise the answer is the same as a failed login.',
        body: RegisterBody,
        response: { 201: Session, ...errorResponses },
      },
      preHandler: [rateLimit(app, 'register-client', { max: 3 * perMinute, timeWindow: '1 hour', key: (request) => request.ip }), perEmail],
    },
    async (request, reply) => reply.status(201).send(await auth.register(request.body, client(request))),
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
      preHandler: passwordGuesses,
    },
    async (request) => auth.login(request.body, client(request)),
  );

  app.post(
    '/accept-invitation',
    {
      schema: {
        tags: ['auth'],
        summary: 'Join an account with an invitation token',
        description:
          'Signed in (`Authorization: Bearer`): the signed-in person joins, if the invitation is for their e-mail. ' +
          'Not signed in: with `password`, the password of the e-mail’s existing login, or a new password when the e-mail has no login yet.',
        security: [{}, ...security],
        body: AcceptInvitationBody,
        response: { 200: Session, ...errorResponses },
      },
      preHandler: rateLimit(app, 'accept-invitation-client', { max: perMinute, timeWindow: '1 minute', key: (request) => request.ip }),
    },
    async (request, reply) => {
      if (request.headers.authorization) await app.authenticate(request, reply);
      return auth.acceptInvitation(request.body, request.headers.authorization ? sessionOf(request) : undefined, client(request));
    },
  );

  app.get(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The current user, account and role',
        description: "With an access token: its creator, and only the token's account.",
        security,
        response: { 200: Me, ...errorResponses },
      },
    },
    async (request) => auth.me(request.auth),
  );

  app.patch(
    '/me',
    {
      preHandler: [
        app.authenticate,
        rateLimit(app, 'update-me-user', { max: perMinute, timeWindow: '1 minute', key: (request) => String(request.auth.userId) }),
      ],
      schema: {
        tags: ['auth'],
        summary: 'Change your own name or password',
        description: 'A new `password` needs `currentPassword`, and ends every other session of yours at once.',
        security,
        body: UpdateMeBody,
        response: { 200: Me, ...errorResponses },
      },
    },
    async (request) => auth.updateMe(sessionOf(request), request.body),
  );

  app.post(
    '/logout',
    {
      preHandler: app.authenticate,
      schema: { tags: ['auth'], summary: 'End this session: its token stops working at once', security, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await auth.logout(sessionOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Your active sessions',
        security,
        response: { 200: Type.Object({ data: Type.Array(SessionInfo) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await auth.sessions(sessionOf(request)) }),
  );

  app.delete(
    '/sessions/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'End one of your sessions (a device you no longer use)',
        security,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await auth.revokeSession(sessionOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/switch-account',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Get a token for another account of the same user',
        security,
        body: SwitchAccountBody,
        response: { 200: Session, ...errorResponses },
      },
    },
    async (request) => auth.switchAccount(sessionOf(request), request.body.accountId, client(request)),
  );
};
