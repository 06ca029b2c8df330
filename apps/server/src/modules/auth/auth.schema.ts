import Type from 'typebox';
import { MIN_PASSWORD_LENGTH } from '../../platform/password-policy.js';
import { Email, Name, Timestamp } from '../../platform/schemas.js';

/** Length here; the rest of the policy (common passwords, e-mail, name) in platform/password-policy.ts. */
export const Password = Type.String({
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: 200,
  description: `At least ${MIN_PASSWORD_LENGTH} characters, not a common password, not your e-mail or name`,
});

export const User = Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String(), createdAt: Timestamp });

export const AccountRoleSchema = Type.Union([Type.Literal('administrator'), Type.Literal('agent')]);

export const AccountSummary = Type.Object({ id: Type.Integer(), name: Type.String(), role: AccountRoleSchema });

export const Session = Type.Object({
  token: Type.String({ description: 'JWT for `Authorization: Bearer <token>` and the Socket.IO handshake' }),
  user: User,
  account: AccountSummary,
  accounts: Type.Array(AccountSummary, { description: 'Every account the user belongs to' }),
});

export const RegisterBody = Type.Object({ accountName: Name(), name: Name(), email: Email, password: Password }, { additionalProperties: false });

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    accountId: Type.Optional(Type.Integer({ minimum: 1, description: 'Needed only to pick one of several accounts' })),
  },
  { additionalProperties: false },
);

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The existing login's password, or a new one" })),
    name: Type.Optional(Name()),
  },
  { additionalProperties: false },
);

export const SwitchAccountBody = Type.Object({ accountId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Name()),
    password: Type.Optional(Password),
    currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Needed with `password`' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SessionInfo = Type.Object({
  id: Type.String(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  ip: Type.String(),
  userAgent: Type.String(),
  current: Type.Boolean({ description: 'The session of this request' }),
});
