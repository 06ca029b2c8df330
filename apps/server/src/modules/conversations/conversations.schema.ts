import Type from 'typebox';
import { CursorQuery } from '../../platform/pagination.js';
import { Email, IdParams, NullableTimestamp, Timestamp } from '../../platform/schemas.js';
import { Attachment } from '../attachments/attachments.schema.js';
import { LabelTitle } from '../labels/labels.schema.js';

export const Status = Type.Union([Type.Literal('open'), Type.Literal('pending'), Type.Literal('resolved'), Type.Literal('snoozed')]);
export const Priority = Type.Union([Type.Literal('urgent'), Type.Literal('high'), Type.Literal('medium'), Type.Literal('low'), Type.Literal('none')]);
const MessageKind = Type.Union([Type.Literal('incoming'), Type.Literal('outgoing'), Type.Literal('activity')]);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const NullableId = Type.Union([Type.Integer(), Type.Null()]);

/** Long enough for a detailed e-mail; longer bodies are attachments' business. */
export const MESSAGE_MAX_LENGTH = 20_000;
const Content = Type.String({ minLength: 1, maxLength: MESSAGE_MAX_LENGTH, pattern: '\\S' });

export const Conversation = Type.Object({
  id: Type.Integer(),
  displayId: Type.Integer({ description: 'The per-account number agents see (#42)' }),
  inboxId: Type.Integer(),
  status: Status,
  priority: Priority,
  assigneeId: NullableId,
  teamId: NullableId,
  category: Type.Union([Type.String(), Type.Null()], { description: 'AI category, or the one an agent corrected it to' }),
  sentiment: Type.Union([Type.String(), Type.Null()], {
    description: "The latest AI classification's sentiment (positive | neutral | negative | frustrated | angry), or an agent's correction of it",
  }),
  labels: Type.Array(Type.String()),
  snoozedUntil: NullableTimestamp,
  firstReplyAt: NullableTimestamp,
  resolvedAt: Type.Union([Timestamp, Type.Null()], { description: 'When it was last resolved; null while it is not resolved' }),
  lastActivityAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  contactInboxId: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The channel identity the customer writes from (a widget visitor, an API-channel user); null when an agent or the demo opened it',
  }),
  contact: Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.Union([Type.String(), Type.Null()]) }),
  lastMessage: Type.Union([
    Type.Object({
      id: Type.Integer(),
      content: Type.String({ description: 'The first 300 characters' }),
      messageType: MessageKind,
      private: Type.Boolean(),
      createdAt: Timestamp,
    }),
    Type.Null(),
  ]),
});

const NullableText = Type.Union([Type.String(), Type.Null()]);

/**
 * What an e-mail message keeps besides its text (db/schema.ts EmailDetails), without its HTML and
 * whole text: those can be megabytes, and every message list, socket event and webhook carries
 * this. They come from `GET /api/conversations/:id/messages/:messageId/email` (EmailBody).
 */
export const EmailDetails = Type.Object(
  {
    subject: NullableText,
    from: Type.Union([Type.Object({ address: Type.String(), name: NullableText }), Type.Null()]),
    to: Type.Array(Type.String()),
    cc: Type.Array(Type.String()),
    hasHtml: Type.Boolean({ description: 'The mail has an HTML part (EmailBody `html`)' }),
    hasMoreText: Type.Boolean({
      description: 'The whole text says more than `content`: the quoted history and signature it leaves out (EmailBody `fullText`)',
    }),
    inReplyTo: NullableText,
    references: Type.Array(Type.String()),
    automated: Type.Boolean({ description: 'An auto-reply, bulk or list mail (Auto-Submitted, Precedence): never answered automatically' }),
    authentication: Type.Union([
      Type.Object(
        {
          spf: NullableText,
          dkim: NullableText,
          dmarc: NullableText,
          failed: Type.Boolean({ description: 'A failing SPF/DKIM/DMARC verdict: the sender may be forged' }),
        },
        { description: "The receiving server's Authentication-Results" },
      ),
      Type.Null(),
    ]),
    attachmentsDropped: Type.Optional(Type.Integer({ description: 'Attachments beyond the per-message limit that were not kept' })),
  },
  { title: 'EmailDetails' },
);

export const DeliveryStatus = Type.Union([Type.Literal('queued'), Type.Literal('sent'), Type.Literal('failed'), Type.Null()], {
  description: 'A reply sent through a channel (e-mail): queued for sending, accepted by the relay, or failed (null: nothing to send)',
});

export const Message = Type.Object({
  id: Type.Integer(),
  conversationId: Type.Integer(),
  messageType: MessageKind,
  private: Type.Boolean({ description: 'A private note, never shown to the customer' }),
  content: Type.String(),
  sender: Type.Union([
    Type.Object({
      type: Type.Union([Type.Literal('contact'), Type.Literal('user')]),
      id: Type.Integer(),
      name: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  createdAt: Timestamp,
  attachments: Type.Array(Attachment, { description: 'Files sent with the message (an empty list for most)' }),
  email: Type.Union([EmailDetails, Type.Null()], { description: 'An e-mail message: its subject, addresses and flags (null otherwise)' }),
  deliveryStatus: DeliveryStatus,
  deliveryError: Type.Union([Type.String(), Type.Null()], { description: "Why the sending failed (the relay's answer)" }),
});

/** A message of a conversation: `/api/conversations/:id/messages/:messageId/...`. */
export const MessageParams = Type.Object({ ...IdParams.properties, messageId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

/** The large parts of an e-mail message, fetched when an agent opens the whole mail. */
export const EmailBody = Type.Object(
  {
    html: Type.Union([Type.String(), Type.Null()], {
      description: 'The HTML part, sanitised on the server (no scripts, handlers, forms or remote content); show it in a sandboxed frame',
    }),
    fullText: Type.Union([Type.String(), Type.Null()], { description: 'The whole text, with the quoted history and signature that `content` leaves out' }),
  },
  { title: 'EmailBody' },
);

const IdFilter = (extra: string) =>
  Type.String({
    pattern: `^([1-9][0-9]{0,9}|${extra})$`,
    description: `An id, or ${extra
      .split('|')
      .map((v) => `\`${v}\``)
      .join(' / ')}`,
  });

/** The inbox's filters other than the assignee, shared by the list and its counts. */
const InboxFilters = {
  status: Type.Optional(Status),
  teamId: Type.Optional(IdFilter('none')),
  inboxId: Type.Optional(Id),
  priority: Type.Optional(Priority),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  label: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  q: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Contact name or e-mail (part of), #number, or words in messages (by stem, as `GET /api/search/messages` finds them)',
    }),
  ),
};

export const ListConversationsQuery = Type.Object({
  ...InboxFilters,
  assigneeId: Type.Optional(IdFilter('me|none')),
  ...CursorQuery,
});

export const ConversationMetaQuery = Type.Object(InboxFilters, { additionalProperties: false });

export const ConversationMeta = Type.Object({
  counts: Type.Object({
    mine: Type.Integer({ description: 'Assigned to the caller' }),
    unassigned: Type.Integer({ description: 'Assigned to nobody' }),
    all: Type.Integer(),
  }),
});

export const ConversationPage = Type.Object({ data: Type.Array(Conversation), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const CreateConversationBody = Type.Object(
  {
    inboxId: Type.Optional(Id),
    contact: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
        email: Type.Optional(Email),
        phone: Type.Optional(Type.String({ maxLength: 40, pattern: '^[+0-9 ()./-]*$' })),
      },
      { additionalProperties: false },
    ),
    message: Type.Object({ content: Content }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const UpdateConversationBody = Type.Object(
  {
    status: Type.Optional(Status),
    priority: Type.Optional(Priority),
    assigneeId: Type.Optional(Type.Union([Id, Type.Null()])),
    teamId: Type.Optional(Type.Union([Id, Type.Null()])),
    labels: Type.Optional(Type.Array(LabelTitle, { maxItems: 50, description: 'Replaces the labels; each must exist' })),
    snoozedUntil: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Implies status `snoozed`' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListMessagesQuery = Type.Object({
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc', description: '`desc` pages back from the newest' }),
  ...CursorQuery,
});

export const MessagePage = Type.Object({ data: Type.Array(Message), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const CreateMessageBody = Type.Object(
  {
    content: Content,
    private: Type.Optional(Type.Boolean({ description: 'A private note for agents', default: false })),
    messageType: Type.Optional(
      Type.Union([Type.Literal('outgoing'), Type.Literal('incoming')], {
        description: '`outgoing` (default): the agent replies. `incoming`: the customer wrote (API channel integrations)',
        default: 'outgoing',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The same message as a form (multipart/form-data) with files in `attachments`: the text may then be left out. */
export const CreateMessageForm = Type.Object(
  { ...CreateMessageBody.properties, content: Type.Optional(Type.String({ maxLength: MESSAGE_MAX_LENGTH })) },
  { additionalProperties: false },
);
