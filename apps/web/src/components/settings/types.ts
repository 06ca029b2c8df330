/**
 * The shapes the settings screens work with, taken from the server's OpenAPI document (agents,
 * teams, inboxes and labels, which the inbox shows too, are in api/client).
 */
import type { Agent, Inbox } from '../../api/client';
import type { paths } from '../../api/schema';

type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;
type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

export type AgentRole = Agent['role'];
export type Invitation = Answer<'/api/agents/invitations', 'get'>['data'][number];
/** An invitation as created or renewed: its token is shown this once. */
export type IssuedInvitation = Answer<'/api/agents/invitations/{id}/renew', 'post'>;
export type SignedInSession = Answer<'/api/auth/sessions', 'get'>['data'][number];
export type TeamMember = Answer<'/api/teams/{id}/members', 'get'>['data'][number];
export type ChannelType = Inbox['channelType'];
export type Taxonomy = Answer<'/api/ai/taxonomy', 'get'>;
export type TaxonomyCategoryInput = Body<'/api/ai/taxonomy', 'put'>['categories'][number];
export type Health = Answer<'/health', 'get'>;
export type AccessToken = Answer<'/api/access-tokens', 'get'>['data'][number];
export type AccessTokenScope = AccessToken['scope'];
export type Webhook = Answer<'/api/webhooks', 'get'>['data'][number];
export type WebhookDelivery = Answer<'/api/webhooks/{id}/deliveries', 'get'>['data'][number];
export type WebhookEvent = Body<'/api/webhooks', 'post'>['events'][number];
