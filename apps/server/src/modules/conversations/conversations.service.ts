import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { accountUsers, contacts, conversations, inboxes, labels, messages, teams, type EmailDetails } from '../../db/schema.js';
import { NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { decodeTimeIdCursor, toPage } from '../../platform/pagination.js';
import { containsPattern, hasSearchWord, messageSearchQuery } from '../../platform/search.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { conversationRooms } from '../../realtime/events.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import type { StoredFile } from '../attachments/uploads.js';
import { findOrCreateContact, type ContactIdentity } from '../contacts/contacts.repo.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';
import { REOPENED_BY_CUSTOMER, SNOOZE_ENDED } from './activity.js';
import type { ConversationDoor } from './changes.js';
import { emailReply, enqueueEmailSend } from './email-replies.js';
import {
  countByAssignee,
  insertConversation,
  insertMessageRow,
  listConversations,
  messagePage,
  presentConversation,
  selectConversations,
  selectEmailBody,
  toMessage,
  touchForMessage,
  type ConversationRow,
  type MessagePageQuery,
} from './conversations.repo.js';

type Status = 'open' | 'pending' | 'resolved' | 'snoozed';
type Priority = 'urgent' | 'high' | 'medium' | 'low' | 'none';

/** The inbox's filters other than the assignee: the list and its per-assignee counts share them. */
export interface InboxFilters {
  status?: Status | undefined;
  teamId?: string | undefined;
  inboxId?: number | undefined;
  priority?: Priority | undefined;
  category?: string | undefined;
  label?: string | undefined;
  q?: string | undefined;
}

export interface ConversationFilters extends InboxFilters {
  assigneeId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface ConversationChanges {
  status?: Status | undefined;
  priority?: Priority | undefined;
  assigneeId?: number | null | undefined;
  teamId?: number | null | undefined;
  labels?: string[] | undefined;
  snoozedUntil?: string | null | undefined;
}

export interface NewConversation {
  inboxId?: number | undefined;
  contact: ContactIdentity;
  message: { content: string };
}

/** What a channel knows of a message besides its text: its id there (an e-mail's Message-ID) and an e-mail's details. */
export interface ChannelMessageDetails {
  sourceId?: string | undefined;
  email?: EmailDetails | undefined;
}

/** A customer's conversation through a channel: the contact as that channel knows them (widget visitor, API-channel user, e-mail sender). */
export interface ChannelConversation {
  inboxId: number;
  contactId: number;
  contactInboxId: number;
  /** The first message; without one the conversation waits for it. */
  message?: ({ content: string } & ChannelMessageDetails) | undefined;
  /**
   * The first message's files, stored once the conversation has its id (their folder is the
   * conversation's), inside its transaction: a caller whose transaction fails removes them.
   */
  files?: ((conversationId: number) => Promise<StoredFile[]>) | undefined;
}

/** Who acts: an agent, or nobody (a customer through a public channel, the demo generator). */
export type ActorScope = { accountId: number; userId?: number | undefined };

interface NewMessage extends ChannelMessageDetails {
  messageType: 'incoming' | 'outgoing' | 'activity';
  content: string;
  private?: boolean;
  senderUserId?: number | null;
  senderContactId?: number | null;
  deliveryStatus?: 'queued' | 'failed' | undefined;
  deliveryError?: string | null | undefined;
}

/** Rooms besides the account's that hear about a conversation. */
export function createConversationService({
  db,
  events,
  queue,
  door,
  attachments,
  webhooks,
}: {
  db: AppDb;
  events: Pick<EventBus, 'publish'>;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  door: ConversationDoor;
  /** A message's files: their rows are written in the message's transaction. */
  attachments: Pick<AttachmentService, 'save' | 'present'>;
  /** The webhooks' deliveries of new conversations and messages, written in their transaction. */
  webhooks: Pick<WebhookOutbox, 'record'>;
}) {
  async function load(tx: Tx, accountId: number, id: number, forUpdate = false): Promise<ConversationRow> {
    const [row] = await selectConversations(tx, accountId, [eq(conversations.id, id)], { limit: 1, forUpdate });
    if (!row) throw new NotFoundError('Conversation');
    return row;
  }

  async function present(tx: Tx, accountId: number, id: number) {
    const conversation = await presentConversation(tx, accountId, id);
    if (!conversation) throw new NotFoundError('Conversation');
    return conversation;
  }

  async function insertMessage(tx: Tx, accountId: number, conversationId: number, message: NewMessage, files: StoredFile[] = []) {
    const row = await insertMessageRow(tx, { accountId, conversationId, private: false, ...message });
    return toMessage(row, await attachments.save(tx, accountId, conversationId, row.id, files));
  }

  /**
   * `message.created` for the account's webhooks, with the conversation as the message leaves it;
   * an agent's public reply also goes to its API inbox's callback URL, if it has one.
   */
  function recordMessage(tx: Tx, accountId: number, conversationId: number, message: Message, inboxId: number) {
    const reply = message.messageType === 'outgoing' && !message.private;
    return webhooks.record(tx, accountId, [
      {
        event: 'message.created',
        data: async () => ({ message: withoutLinks(message), conversation: await present(tx, accountId, conversationId) }),
        callbackInboxId: reply ? inboxId : undefined,
      },
    ]);
  }

  /** Every customer message is classified once: the message id is the job's key. */
  function enqueueClassification(tx: Tx, accountId: number, messageId: number) {
    return queue.enqueue(tx, 'ai-classification', { accountId, messageId }, { key: `msg-${messageId}` });
  }

  /** A new conversation with the customer's first message, if any (stored and queued for triage). */
  async function start(
    tx: Tx,
    accountId: number,
    values: { inboxId: number; teamId: number | null; contactId: number; contactInboxId?: number | undefined },
    first: ({ content: string } & ChannelMessageDetails) | undefined,
    files?: (conversationId: number) => Promise<StoredFile[]>,
  ) {
    const id = await insertConversation(tx, { accountId, ...values });
    const message = first
      ? await insertMessage(
          tx,
          accountId,
          id,
          { messageType: 'incoming', content: first.content, senderContactId: values.contactId, sourceId: first.sourceId, email: first.email },
          files ? await files(id) : [],
        )
      : null;
    // Files alone give triage nothing to read: it waits for the customer's words.
    if (message && first!.content.trim() !== '') await enqueueClassification(tx, accountId, message.id);
    const conversation = await present(tx, accountId, id);
    await webhooks.record(tx, accountId, [
      { event: 'conversation.created', data: () => ({ conversation }) },
      ...(message ? [{ event: 'message.created' as const, data: () => ({ message: withoutLinks(message), conversation }) }] : []),
    ]);
    return { conversation, message };
  }

  /** Announced only once the transaction has committed. */
  function announceStarted(accountId: number, opened: Awaited<ReturnType<typeof start>>) {
    queue.wake();
    const rooms = conversationRooms(opened.conversation);
    events.publish(accountId, 'conversation:created', { conversation: opened.conversation }, rooms);
    if (opened.message) events.publish(accountId, 'message:new', { conversationId: opened.conversation.id, message: opened.message }, rooms);
  }

  /** Every id a change names must be of this account (otherwise a 422 naming it); labels as titled. */
  async function resolveReferences(tx: Tx, accountId: number, changes: ConversationChanges) {
    if (changes.assigneeId != null) {
      const [agent] = await tx
        .select({ userId: accountUsers.userId })
        .from(accountUsers)
        .where(and(eq(accountUsers.accountId, accountId), eq(accountUsers.userId, changes.assigneeId)));
      if (!agent) throw new UnprocessableError('invalid_assignee', `No agent ${changes.assigneeId} in this account`);
    }
    if (changes.teamId != null) {
      const [team] = await tx
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.accountId, accountId), eq(teams.id, changes.teamId)));
      if (!team) throw new UnprocessableError('invalid_team', `No team ${changes.teamId} in this account`);
    }
    if (!changes.labels) return undefined;
    const wanted = [...new Set(changes.labels.map((title) => title.toLowerCase()))];
    const found = wanted.length
      ? await tx
          .select({ title: labels.title })
          .from(labels)
          .where(and(eq(labels.accountId, accountId), inArray(sql`lower(${labels.title})`, wanted)))
      : [];
    const missing = wanted.filter((title) => !found.some((label) => label.title.toLowerCase() === title));
    if (missing.length > 0) throw new UnprocessableError('unknown_label', `No such labels: ${missing.join(', ')}; create them first`);
    return found.map((label) => label.title).sort();
  }

  function inboxFiltersToSql(ctx: TenantContext, filters: InboxFilters): (SQL | undefined)[] {
    const where: (SQL | undefined)[] = [];
    if (filters.status) where.push(eq(conversations.status, filters.status));
    if (filters.teamId) where.push(idOrNone(ctx, conversations.teamId, filters.teamId));
    if (filters.inboxId) where.push(eq(conversations.inboxId, filters.inboxId));
    if (filters.priority) where.push(eq(conversations.priority, filters.priority));
    if (filters.category) where.push(eq(conversations.category, filters.category));
    if (filters.label) where.push(sql`${conversations.labels} @> array[${filters.label}]::text[]`);
    const q = filters.q?.trim();
    if (q) {
      const pattern = containsPattern(q);
      const displayId = /^#?(\d{1,9})$/.exec(q)?.[1];
      where.push(
        or(
          displayId ? eq(conversations.displayId, Number(displayId)) : undefined,
          sql`exists (${contactMatches(pattern)})`,
          hasSearchWord(q) ? sql`exists (${messageMatches(q)})` : undefined,
        ),
      );
    }
    return where;
  }

  function filtersToSql(ctx: TenantContext, filters: ConversationFilters): (SQL | undefined)[] {
    const where = inboxFiltersToSql(ctx, filters);
    if (filters.assigneeId) where.push(idOrNone(ctx, conversations.assigneeId, filters.assigneeId));
    const after = decodeTimeIdCursor(filters.cursor);
    if (after) where.push(sql`(${conversations.lastActivityAt}, ${conversations.id}) < (${after.at.toISOString()}::timestamptz, ${after.id})`);
    return where;
  }

  return {
    /** A customer's first message opens a conversation (contact found by e-mail or created). */
    async open(scope: ActorScope, input: NewConversation) {
      const opened = await withTenant(db, scope, async (tx) => {
        const inbox = await tx
          .select({ id: inboxes.id, defaultTeamId: inboxes.defaultTeamId })
          .from(inboxes)
          .where(and(eq(inboxes.accountId, scope.accountId), input.inboxId ? eq(inboxes.id, input.inboxId) : undefined))
          .orderBy(inboxes.id)
          .limit(1);
        if (!inbox[0]) {
          throw input.inboxId
            ? new UnprocessableError('invalid_inbox', `No inbox ${input.inboxId} in this account`)
            : new UnprocessableError('no_inbox', 'The account has no inbox yet; create one first');
        }
        const contact = await findOrCreateContact(tx, scope.accountId, input.contact);
        return start(tx, scope.accountId, { inboxId: inbox[0].id, contactId: contact.id, teamId: inbox[0].defaultTeamId }, input.message);
      });
      announceStarted(scope.accountId, opened);
      return { conversation: opened.conversation, message: opened.message! };
    },

    /**
     * A customer opens a conversation through a channel (the widget, the public client API): the
     * same path as `open`, with the contact the channel already knows (the caller checked that
     * the contact inbox is of this inbox and account).
     */
    async openFromChannel(scope: ActorScope, input: ChannelConversation) {
      const opened = await withTenant(db, scope, async (tx) => {
        const [inbox] = await tx
          .select({ defaultTeamId: inboxes.defaultTeamId })
          .from(inboxes)
          .where(and(eq(inboxes.accountId, scope.accountId), eq(inboxes.id, input.inboxId)));
        if (!inbox) throw new NotFoundError('Inbox');
        const values = { inboxId: input.inboxId, teamId: inbox.defaultTeamId, contactId: input.contactId, contactInboxId: input.contactInboxId };
        return start(tx, scope.accountId, values, input.message, input.files);
      });
      announceStarted(scope.accountId, opened);
      return opened;
    },

    list: (ctx: TenantContext, filters: ConversationFilters) =>
      withTenant(db, ctx, async (tx) => {
        const rows = await listConversations(tx, ctx.accountId, filtersToSql(ctx, filters), filters.limit + 1);
        return toPage(rows, filters.limit, (row) => [row.lastActivityAt.toISOString(), row.id]);
      }),

    /** The counts of the inbox's assignee tabs (mine, unassigned, all) under the other filters. */
    meta: (ctx: TenantContext, filters: InboxFilters) =>
      withTenant(db, ctx, async (tx) => ({ counts: await countByAssignee(tx, ctx.accountId, ctx.userId, inboxFiltersToSql(ctx, filters)) })),

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => present(tx, ctx.accountId, id)),

    async update(ctx: TenantContext, id: number, changes: ConversationChanges) {
      const conversation = await door.transaction(ctx, async (tx, door) => {
        await load(tx, ctx.accountId, id, true);
        const labelTitles = await resolveReferences(tx, ctx.accountId, changes);
        const snoozedUntil = changes.snoozedUntil == null ? null : new Date(changes.snoozedUntil);
        if (snoozedUntil && snoozedUntil.getTime() <= Date.now()) {
          throw new UnprocessableError('invalid_snooze', 'snoozedUntil must be in the future');
        }
        const status = changes.status ?? (snoozedUntil ? 'snoozed' : undefined);
        if (snoozedUntil && status !== 'snoozed') {
          throw new UnprocessableError('invalid_snooze', 'snoozedUntil goes with status "snoozed"');
        }
        const edit = { status, snoozedUntil, priority: changes.priority, assigneeId: changes.assigneeId, teamId: changes.teamId, labels: labelTitles };
        const changed = await door.change(id, edit, { kind: 'agent', userId: ctx.userId });
        if (changed && status === 'snoozed' && snoozedUntil) {
          // The snooze ends by itself: a job reopens the conversation then, unless it changed meanwhile.
          const until = snoozedUntil.toISOString();
          await queue.enqueue(
            tx,
            'conversation-snooze',
            { accountId: ctx.accountId, conversationId: id, until },
            { key: `${id}-${snoozedUntil.getTime()}`, runAt: snoozedUntil },
          );
        }
        return present(tx, ctx.accountId, id);
      });
      queue.wake();
      return conversation;
    },

    /** The snooze job: reopens the conversation if it is still snoozed until `until`. */
    async endSnooze(payload: { accountId: number; conversationId: number; until: string }) {
      const reopened = await door.transaction({ accountId: payload.accountId }, async (tx, door) => {
        const [current] = await selectConversations(tx, payload.accountId, [eq(conversations.id, payload.conversationId)], { limit: 1, forUpdate: true });
        if (current?.status !== 'snoozed' || current.snoozedUntil?.getTime() !== new Date(payload.until).getTime()) return false;
        return door.change(payload.conversationId, { status: 'open' }, { kind: 'system', line: SNOOZE_ENDED });
      });
      return { reopened };
    },

    listMessages: (ctx: TenantContext, id: number, query: MessagePageQuery) =>
      withTenant(db, ctx, async (tx) => {
        const page = await messagePage(tx, ctx.accountId, id, query, (messageIds) => attachments.present(tx, ctx.accountId, messageIds));
        // Messages found show that the conversation is there (in this account): only an empty page asks.
        if (page.data.length === 0) await load(tx, ctx.accountId, id);
        return page;
      }),

    /** The HTML and the whole text of an e-mail message, which messages and their events leave out. */
    emailBody: (ctx: TenantContext, id: number, messageId: number) =>
      withTenant(db, ctx, async (tx) => {
        const body = await selectEmailBody(tx, ctx.accountId, id, messageId);
        if (!body) throw new NotFoundError('E-mail message');
        return body;
      }),

    /**
     * An agent's reply or private note, or (messageType `incoming`) the customer's message
     * relayed by an API-channel integration, or written by the customer through a channel (the
     * public client API: a scope without a user). A customer reply reopens a resolved or snoozed
     * conversation; an agent's first public reply sets firstReplyAt.
     */
    async addMessage(
      ctx: ActorScope,
      id: number,
      input: {
        content: string;
        private?: boolean | undefined;
        messageType?: 'incoming' | 'outgoing' | undefined;
        /** Files already in storage (attachments' `receive`); their rows are written with the message. */
        attachments?: StoredFile[] | undefined;
        /** A customer's message through a channel: who sent it (default: the conversation's contact) and what the channel knows of it. */
        channel?: (ChannelMessageDetails & { senderContactId?: number | undefined }) | undefined;
      },
    ) {
      const files = input.attachments ?? [];
      // Text may be left out only when files say it all.
      const said = input.content.trim() !== '';
      if (!said && files.length === 0) throw new UnprocessableError('empty_message', 'A message needs text or an attachment', 'body.content');
      const added = await door.transaction(ctx, async (tx, door) => {
        const incoming = input.messageType === 'incoming';
        const conversation = await touchForMessage(tx, ctx.accountId, id, { firstReply: !incoming && !input.private });
        if (!conversation) throw new NotFoundError('Conversation');
        if (incoming && input.private) throw new UnprocessableError('invalid_message', 'A customer message cannot be a private note');
        const reopen = incoming && (conversation.status === 'resolved' || conversation.status === 'snoozed');
        // An agent's public reply in an e-mail inbox goes out as an e-mail.
        const emailed =
          !incoming && !input.private && conversation.inboxChannel === 'email'
            ? await emailReply(tx, ctx.accountId, { ...conversation, contact: { email: conversation.contactEmail } }, ctx.userId)
            : undefined;
        const message = await insertMessage(
          tx,
          ctx.accountId,
          id,
          {
            messageType: incoming ? 'incoming' : 'outgoing',
            content: said ? input.content : '',
            private: Boolean(input.private),
            ...(incoming ? { senderContactId: input.channel?.senderContactId ?? conversation.contactId } : { senderUserId: ctx.userId }),
            ...(emailed ?? { sourceId: input.channel?.sourceId, email: input.channel?.email }),
          },
          files,
        );
        if (reopen) await door.change(id, { status: 'open' }, { kind: 'system', line: REOPENED_BY_CUSTOMER });
        // Files alone give triage nothing to read: it waits for the customer's words.
        if (incoming && said) await enqueueClassification(tx, ctx.accountId, message.id);
        if (emailed?.deliveryStatus === 'queued') await enqueueEmailSend(tx, queue, ctx.accountId, message.id);
        await recordMessage(tx, ctx.accountId, id, message, conversation.inboxId);
        return { message, rooms: conversationRooms(conversation) };
      });
      events.publish(ctx.accountId, 'message:new', { conversationId: id, message: added.message }, added.rooms);
      queue.wake();
      return added.message;
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;

type Message = ReturnType<typeof toMessage>;

/**
 * A message as webhooks and API-channel callbacks carry it: its attachments without their signed
 * links, which expire within two hours while a delivery is retried for a day. A receiver fetches
 * a file by listing the conversation's messages with an access token (fresh links).
 */
function withoutLinks(message: Message) {
  return { ...message, attachments: message.attachments.map(({ url: _, ...file }) => file) };
}

/** An assignee or team filter: an id, `none`, or (assignee) `me`. */
function idOrNone(ctx: TenantContext, column: typeof conversations.assigneeId | typeof conversations.teamId, value: string) {
  return value === 'none' ? isNull(column) : eq(column, value === 'me' ? ctx.userId : Number(value));
}

function contactMatches(pattern: string) {
  return sql`select 1 from ${contacts} where ${contacts.accountId} = ${conversations.accountId}
    and ${contacts.id} = ${conversations.contactId} and (${contacts.name} ilike ${pattern} or ${contacts.email} ilike ${pattern})`;
}

/** A message of the conversation has the words (full text, as message search finds them; activity lines aside). */
function messageMatches(text: string) {
  return sql`select 1 from ${messages} where ${messages.accountId} = ${conversations.accountId}
    and ${messages.conversationId} = ${conversations.id} and ${messages.messageType} <> 'activity'
    and ${messages.searchVector} @@ ${messageSearchQuery(text)}`;
}
