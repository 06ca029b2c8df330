import Type from 'typebox';
import { Name, NullableTimestamp, Timestamp } from '../../platform/schemas.js';

export const AccessTokenScope = Type.Union([Type.Literal('read'), Type.Literal('write')], {
  description: '`read`: GET requests only; `write`: whatever its creator may do',
});

export const AccessToken = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scope: AccessTokenScope,
  hint: Type.String({ description: 'The last four characters of the token, to tell tokens apart' }),
  createdBy: Type.Object({ id: Type.Integer(), name: Type.String() }, { description: 'The administrator the token acts as' }),
  expiresAt: NullableTimestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()], { description: 'Kept to the minute' }),
  createdAt: Timestamp,
});

export const NewAccessTokenBody = Type.Object(
  {
    name: Name(100),
    scope: AccessTokenScope,
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Omitted: the token does not expire' })),
  },
  { additionalProperties: false },
);

export const CreatedAccessToken = Type.Object({
  accessToken: AccessToken,
  token: Type.String({ description: 'The token itself (`hd_at_...`), shown only in this answer: send it as `Authorization: Bearer <token>`' }),
});
