import Type from 'typebox';
import { Email, Name, Timestamp } from '../../platform/schemas.js';

export const Password = Type.String({ minLength: 8, maxLength: 200, description: 'At least 8 characters' });

export const User = Type.Object(
  { id: Type.Integer(), name: Type.String(), email: Type.String(), createdAt: Timestamp },
);

export const AccountRoleSchema = Type.Union([Type.Literal('administrator'), Type.Literal('agent')]);

export const AccountSummary = Type.Object(
  { id: Type.Integer(), name: Type.String(), role: AccountRoleSchema },
);

export const Session = Type.Object({
  token: Type.String({ description: 'JWT for `Authorization: Bearer <token>` and the Socket.IO handshake' }),
  user: User,
  account: AccountSummary,
  accounts: Type.Array(AccountSummary, { description: 'Every account the user belongs to' }),
});

export const RegisterBody = Type.Object(
  { accountName: Name(), name: Name(), email: Email, password: Password },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
    accountId: Type.Optional(Type.Integer({ minimum: 1, description: 'Needed only to pick one of several accounts' })),
  },
  { additionalProperties: false },
);

export const AcceptInvitationBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 2000 }), password: Password, name: Type.Optional(Name()) },
  { additionalProperties: false },
);

export const SwitchAccountBody = Type.Object({ accountId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const UpdateMeBody = Type.Object(
  { name: Type.Optional(Name()), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
);
