/**
 * What a contact sees: the public client API's resources and the contact socket's payloads. They
 * are built from the agents' resources by leaving out, never by copying everything and hoping:
 * no private notes, no activity lines (they name agents, teams, labels and AI triage; the
 * conversation's status says what a customer needs), no classification, no assignee id or
 * e-mail, only the assigned agent's name.
 */
import Type, { type Static } from 'typebox';
import { Email, Timestamp } from '../../platform/schemas.js';
import { Status, type Message as AgentMessage } from '../conversations/conversations.schema.js';
import { WIDGET_DEFAULTS, type WidgetSettings } from '../inboxes/channel-settings.js';

/** Customers write shorter than agents' notes; a longer text is an attachment's business. */
export const PUBLIC_MESSAGE_MAX_LENGTH = 10_000;

export const PublicContact = Type.Object(
  {
    identifier: Type.String({ description: 'The contact identifier of the paths (random; not the company’s own identifier)' }),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    verified: Type.Boolean({ description: 'The website vouched for this identity (identifierHash)' }),
  },
  { title: 'PublicContact' },
);

export const PublicAttachment = Type.Object(
  {
    id: Type.Integer(),
    fileName: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    url: Type.String({ description: 'A short-lived signed address of the file' }),
  },
  { title: 'PublicAttachment' },
);

export const PublicMessage = Type.Object(
  {
    id: Type.Integer(),
    conversationId: Type.Integer(),
    content: Type.String(),
    messageType: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')], { description: '`incoming`: the contact wrote it; `outgoing`: an agent' }),
    createdAt: Timestamp,
    sender: Type.Object({ type: Type.Union([Type.Literal('contact'), Type.Literal('agent')]), name: Type.Union([Type.String(), Type.Null()]) }),
    attachments: Type.Array(PublicAttachment),
  },
  { title: 'PublicMessage' },
);

export const PublicConversation = Type.Object(
  {
    id: Type.Integer(),
    status: Status,
    createdAt: Timestamp,
    lastActivityAt: Timestamp,
    agentName: Type.Union([Type.String(), Type.Null()], { description: 'The name of the agent it is assigned to, if any' }),
  },
  { title: 'PublicConversation' },
);

/** What a website's widget shows before anyone writes: the inbox's name and look, and what it asks of visitors. */
export const PublicWidget = Type.Object(
  {
    name: Type.String(),
    color: Type.String({ description: '`#rrggbb`' }),
    greeting: Type.Union([Type.String(), Type.Null()], { description: "The administrator's greeting; null: the widget's own, in the visitor's language" }),
    preChatForm: Type.Boolean({ description: 'Ask for a name and e-mail before the first message' }),
    requireIdentity: Type.Boolean({ description: 'Only visitors whose identity the website signed may chat' }),
  },
  { title: 'PublicWidget' },
);

export type PublicContact = Static<typeof PublicContact>;
export type PublicAttachment = Static<typeof PublicAttachment>;
export type PublicMessage = Static<typeof PublicMessage>;
export type PublicConversation = Static<typeof PublicConversation>;

const Content = Type.String({ minLength: 1, maxLength: PUBLIC_MESSAGE_MAX_LENGTH, pattern: '\\S' });
const ContactName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const CreateContactBody = Type.Object(
  {
    name: Type.Optional(ContactName),
    email: Type.Optional(Email),
    identifier: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f]+$', description: "The company's own id for the person (a signed-in user)" }),
    ),
    identifierHash: Type.Optional(
      Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: "HMAC-SHA256(inbox secret, identifier) in hex, computed by the company's server" }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateContactBody = Type.Object(
  { name: Type.Optional(ContactName), email: Type.Optional(Email) },
  { additionalProperties: false, minProperties: 1 },
);

export const CreateConversationBody = Type.Object(
  { message: Type.Optional(Type.Object({ content: Content }, { additionalProperties: false })) },
  { additionalProperties: false },
);

export const CreateMessageBody = Type.Object({ content: Content }, { additionalProperties: false });

/** The same as a form (multipart/form-data) with files in `attachments`: the text may then be left out. */
export const CreateMessageForm = Type.Object(
  { content: Type.Optional(Type.String({ maxLength: PUBLIC_MESSAGE_MAX_LENGTH })) },
  { additionalProperties: false },
);

/** An agents' message as the contact may see it, or null (a private note, an activity line). */
export function toPublicMessage(
  message: Pick<Static<typeof AgentMessage>, 'id' | 'conversationId' | 'content' | 'messageType' | 'private' | 'sender' | 'createdAt'> & {
    attachments?: PublicAttachment[] | undefined;
  },
): PublicMessage | null {
  if (message.private || message.messageType === 'activity') return null;
  return {
    id: message.id,
    conversationId: message.conversationId,
    content: message.content,
    messageType: message.messageType,
    createdAt: message.createdAt,
    sender: { type: message.messageType === 'incoming' ? 'contact' : 'agent', name: message.sender?.name ?? null },
    attachments: (message.attachments ?? []).map(({ id, fileName, contentType, size, url }) => ({ id, fileName, contentType, size, url })),
  };
}

/** The widget of an inbox (an inbox of another channel has the widget defaults: nothing asks for it from a browser). */
export function toPublicWidget(inbox: { name: string; channelType: string; settings: object }): Static<typeof PublicWidget> {
  const widget = inbox.channelType === 'web_widget' ? (inbox.settings as WidgetSettings) : WIDGET_DEFAULTS;
  return { name: inbox.name, color: widget.color, greeting: widget.greeting || null, preChatForm: widget.preChatForm, requireIdentity: widget.requireIdentity };
}

/** A conversation as its contact sees it. */
export function toPublicConversation(
  conversation: { id: number; status: PublicConversation['status']; createdAt: Date | string; lastActivityAt: Date | string },
  agentName: string | null,
): PublicConversation {
  return { id: conversation.id, status: conversation.status, createdAt: conversation.createdAt, lastActivityAt: conversation.lastActivityAt, agentName };
}
