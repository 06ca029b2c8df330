/** Queries of conversations and messages; every one filters by account (indexes lead with it). */
import { and, asc, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Static } from 'typebox';
import { fixedStatement, queryRows, type Tx } from '../../db/client.js';
import { accounts, attachments, contacts, conversations, inboxes, messages, users } from '../../db/schema.js';
import { decodeTimeIdCursor, toPage } from '../../platform/pagination.js';
import type { PresentedAttachment } from '../attachments/attachments.service.js';
import type { EmailDetails } from './conversations.schema.js';

export type ConversationRow = Awaited<ReturnType<typeof selectConversations>>[number];
export type MessageRow = Awaited<ReturnType<typeof selectMessages>>[number];

const conversationColumns = {
  id: conversations.id,
  displayId: conversations.displayId,
  inboxId: conversations.inboxId,
  status: conversations.status,
  priority: conversations.priority,
  assigneeId: conversations.assigneeId,
  teamId: conversations.teamId,
  category: conversations.category,
  sentiment: conversations.sentiment,
  labels: conversations.labels,
  snoozedUntil: conversations.snoozedUntil,
  firstReplyAt: conversations.firstReplyAt,
  resolvedAt: conversations.resolvedAt,
  lastActivityAt: conversations.lastActivityAt,
  createdAt: conversations.createdAt,
  updatedAt: conversations.updatedAt,
  contactInboxId: conversations.contactInboxId,
  contact: { id: contacts.id, name: contacts.name, email: contacts.email },
};

export function selectConversations(tx: Tx, accountId: number, where: (SQL | undefined)[], options: { limit: number; forUpdate?: boolean }) {
  const query = tx
    .select(conversationColumns)
    .from(conversations)
    .innerJoin(contacts, and(eq(contacts.accountId, conversations.accountId), eq(contacts.id, conversations.contactId)))
    .where(and(eq(conversations.accountId, accountId), ...where))
    .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
    .limit(options.limit);
  return options.forUpdate ? query.for('update', { of: conversations }) : query;
}

/**
 * A page of the inbox, each conversation with its contact and last message, in one statement.
 * The page is cut from conversations alone (walking the index on account + last activity), and
 * only its rows are joined to their contacts and last messages: joining first would make
 * Postgres sort every conversation of the account.
 */
export async function listConversations(tx: Tx, accountId: number, where: (SQL | undefined)[], limit: number) {
  const rows = await queryRows<PresentedSqlRow>(
    tx,
    sql`select ${PRESENTED_COLUMNS}
      from (select ${CONVERSATION_COLUMNS} from ${conversations} where ${and(eq(conversations.accountId, accountId), ...where)}
        order by ${conversations.lastActivityAt} desc, ${conversations.id} desc limit ${limit}) c
      ${joinContactAndLastMessage(accountId)}
      order by c.last_activity_at desc, c.id desc`,
  );
  return rows.map(toPresented);
}

/** How many conversations match, in all and for the two assignee tabs: one pass over the account's rows. */
export async function countByAssignee(tx: Tx, accountId: number, userId: number, where: (SQL | undefined)[]) {
  const [row] = await tx
    .select({
      mine: sql<number>`count(*) filter (where ${eq(conversations.assigneeId, userId)})`.mapWith(Number),
      unassigned: sql<number>`count(*) filter (where ${isNull(conversations.assigneeId)})`.mapWith(Number),
      all: sql<number>`count(*)`.mapWith(Number),
    })
    .from(conversations)
    .where(and(eq(conversations.accountId, accountId), ...where));
  return row!;
}

/** One conversation as the API and its events show it (with its last message), or undefined. */
export async function presentConversation(tx: Tx, accountId: number, id: number) {
  const [conversation] = await presentConversations(tx, accountId, [id]);
  return conversation;
}

/** Conversations as the API and its events show them, with their last message: one statement (one array parameter, however many). */
export async function presentConversations(tx: Tx, accountId: number, ids: number[]) {
  if (ids.length === 0) return [];
  const rows = await queryRows<PresentedSqlRow>(
    tx,
    sql`select ${PRESENTED_COLUMNS} from ${conversations} c ${joinContactAndLastMessage(accountId)}
      where c.account_id = ${accountId} and c.id = any(${sql.param(ids)}::integer[])
      order by c.last_activity_at desc, c.id desc`,
  );
  return rows.map(toPresented);
}

/*
 * Conversations as the API shows them are read often (every inbox page, every event), so their
 * statement is SQL text with its columns written once, and its rows are mapped by hand: Drizzle's
 * query builder took about 0.35 ms of CPU to build this statement, the template takes 0.03 ms
 * (README: Benchmarks). `c` is the conversations (or the page of them).
 */
const CONVERSATION_COLUMNS = sql.raw(
  'id, display_id, inbox_id, status, priority, assignee_id, team_id, category, sentiment, labels, snoozed_until, first_reply_at, resolved_at, last_activity_at, created_at, updated_at, contact_inbox_id, contact_id',
);
const PRESENTED_COLUMNS = sql.raw(
  `c.id, c.display_id, c.inbox_id, c.status, c.priority, c.assignee_id, c.team_id, c.category, c.sentiment, c.labels,
  c.snoozed_until, c.first_reply_at, c.resolved_at, c.last_activity_at, c.created_at, c.updated_at, c.contact_inbox_id,
  ct.id as contact_id, ct.name as contact_name, ct.email as contact_email,
  lm.id as last_id, lm.content as last_content, lm.message_type as last_type, lm.private as last_private, lm.created_at as last_created_at`,
);

/** Each conversation's contact, and its latest customer-visible or note message: one backward step on messages' conversation index. */
function joinContactAndLastMessage(accountId: number) {
  return sql`join ${contacts} ct on ct.account_id = ${accountId} and ct.id = c.contact_id
    left join lateral (select m.id, left(m.content, 300) as content, m.message_type, m.private, m.created_at from ${messages} m
      where m.account_id = ${accountId} and m.conversation_id = c.id and m.message_type <> 'activity'
      order by m.created_at desc, m.id desc limit 1) lm on true`;
}

type Timestamp = string | Date;
interface PresentedSqlRow {
  id: number;
  display_id: number;
  inbox_id: number;
  status: ConversationRow['status'];
  priority: ConversationRow['priority'];
  assignee_id: number | null;
  team_id: number | null;
  category: string | null;
  sentiment: ConversationRow['sentiment'];
  labels: string[];
  snoozed_until: Timestamp | null;
  first_reply_at: Timestamp | null;
  resolved_at: Timestamp | null;
  last_activity_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  contact_inbox_id: number | null;
  contact_id: number;
  contact_name: string;
  contact_email: string | null;
  /** bigint: a string from node-postgres. */
  last_id: string | number | bigint | null;
  last_content: string | null;
  last_type: 'incoming' | 'outgoing' | 'activity' | null;
  last_private: boolean | null;
  last_created_at: Timestamp | null;
}

/** Timestamps arrive as text from Drizzle's node-postgres driver, as Dates from PGlite. */
const toDate = (value: Timestamp) => (value instanceof Date ? value : new Date(value));
const toDateOrNull = (value: Timestamp | null) => (value === null ? null : toDate(value));

function toPresented(row: PresentedSqlRow) {
  return {
    id: row.id,
    displayId: row.display_id,
    inboxId: row.inbox_id,
    status: row.status,
    priority: row.priority,
    assigneeId: row.assignee_id,
    teamId: row.team_id,
    category: row.category,
    sentiment: row.sentiment,
    labels: row.labels,
    snoozedUntil: toDateOrNull(row.snoozed_until),
    firstReplyAt: toDateOrNull(row.first_reply_at),
    resolvedAt: toDateOrNull(row.resolved_at),
    lastActivityAt: toDate(row.last_activity_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    contactInboxId: row.contact_inbox_id,
    contact: { id: row.contact_id, name: row.contact_name, email: row.contact_email },
    lastMessage:
      row.last_id === null
        ? null
        : {
            id: Number(row.last_id),
            content: row.last_content!,
            messageType: row.last_type!,
            private: row.last_private!,
            createdAt: toDate(row.last_created_at!),
          },
  } satisfies ConversationRow & { lastMessage: unknown };
}

/**
 * An e-mail message's details as messages carry them: without the HTML and the whole text (they
 * can be megabytes; `selectEmailBody` has them), saying whether there are any. Left out here,
 * they never leave the database for a list of messages.
 */
const emailDetails = sql<Static<typeof EmailDetails> | null>`(${messages.email} - 'html' - 'fullText') || jsonb_build_object(
  'hasHtml', ${messages.email}->>'html' is not null,
  'hasMoreText', coalesce(btrim(${messages.email}->>'fullText', E' \t\r\n') <> btrim(${messages.content}, E' \t\r\n'), false))`;

/** A message's own columns, as selectMessages and insertMessageRow read them. */
const messageFields = {
  id: messages.id,
  conversationId: messages.conversationId,
  messageType: messages.messageType,
  private: messages.private,
  content: messages.content,
  senderUserId: messages.senderUserId,
  senderContactId: messages.senderContactId,
  createdAt: messages.createdAt,
  email: emailDetails,
  deliveryStatus: messages.deliveryStatus,
  deliveryError: messages.deliveryError,
};

export function selectMessages(tx: Tx, accountId: number, where: (SQL | undefined)[], order: 'asc' | 'desc', limit: number) {
  const direction = order === 'asc' ? asc : desc;
  return tx
    .select({
      ...messageFields,
      senderUserName: users.name,
      senderContactName: contacts.name,
      // Most messages have no files: only those that have any are looked up (none, no query).
      hasAttachments: sql<boolean>`exists (select 1 from ${attachments} where ${attachments.accountId} = ${messages.accountId} and ${attachments.messageId} = ${messages.id})`,
    })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderUserId))
    .leftJoin(contacts, and(eq(contacts.accountId, messages.accountId), eq(contacts.id, messages.senderContactId)))
    .where(and(eq(messages.accountId, accountId), ...where))
    .orderBy(direction(messages.createdAt), direction(messages.id))
    .limit(limit);
}

/** A new message's row as its INSERT returns it (snake_case, both drivers' types). */
interface InsertedMessageSqlRow {
  id: string | number | bigint;
  conversation_id: number;
  message_type: MessageRow['messageType'];
  private: boolean;
  content: string;
  sender_user_id: number | null;
  sender_contact_id: number | null;
  created_at: Timestamp;
  email: MessageRow['email'];
  delivery_status: MessageRow['deliveryStatus'];
  delivery_error: string | null;
  sender_user_name: string | null;
  sender_contact_name: string | null;
}

/** A message's values as written; the channel's details are absent (null) for most. */
export interface NewMessageValues {
  accountId: number;
  conversationId: number;
  messageType: MessageRow['messageType'];
  private: boolean;
  content: string;
  senderUserId?: number | null | undefined;
  senderContactId?: number | null | undefined;
  sourceId?: string | null | undefined;
  email?: EmailDetailsValue | null | undefined;
  deliveryStatus?: MessageRow['deliveryStatus'] | undefined;
  deliveryError?: string | null | undefined;
}
type EmailDetailsValue = NonNullable<(typeof messages.$inferInsert)['email']>;

const param = (name: keyof NewMessageValues | 'now' | 'firstReply' | 'id') => sql.placeholder(name);
const insertMessageStatement = fixedStatement<InsertedMessageSqlRow, Record<string, unknown>>(
  'message_insert',
  sql`insert into ${messages} (account_id, conversation_id, message_type, private, content, sender_user_id, sender_contact_id,
      source_id, email, delivery_status, delivery_error)
    values (${param('accountId')}, ${param('conversationId')}, ${param('messageType')}, ${param('private')}, ${param('content')},
      ${param('senderUserId')}, ${param('senderContactId')}, ${param('sourceId')}, ${param('email')}::jsonb, ${param('deliveryStatus')},
      ${param('deliveryError')})
    returning id, conversation_id, message_type, private, content, sender_user_id, sender_contact_id, created_at,
      ${emailDetails} as email, delivery_status, delivery_error,
      (select ${users.name} from ${users} where ${users.id} = ${messages.senderUserId}) as sender_user_name,
      (select ${contacts.name} from ${contacts} where ${contacts.accountId} = ${messages.accountId} and ${contacts.id} = ${messages.senderContactId}) as sender_contact_name`,
);

/**
 * Writes a message and reads it back as `selectMessages` would, in one statement (its RETURNING
 * names the sender); its files, if any, are written after it.
 */
export async function insertMessageRow(tx: Tx, values: NewMessageValues): Promise<MessageRow> {
  const [row] = await insertMessageStatement(tx, {
    ...values,
    senderUserId: values.senderUserId ?? null,
    senderContactId: values.senderContactId ?? null,
    sourceId: values.sourceId ?? null,
    email: values.email == null ? null : JSON.stringify(values.email),
    deliveryStatus: values.deliveryStatus ?? null,
    deliveryError: values.deliveryError ?? null,
  });
  return {
    id: Number(row!.id),
    conversationId: row!.conversation_id,
    messageType: row!.message_type,
    private: row!.private,
    content: row!.content,
    senderUserId: row!.sender_user_id,
    senderContactId: row!.sender_contact_id,
    senderUserName: row!.sender_user_name,
    senderContactName: row!.sender_contact_name,
    createdAt: toDate(row!.created_at),
    email: row!.email,
    deliveryStatus: row!.delivery_status,
    deliveryError: row!.delivery_error,
    hasAttachments: false,
  };
}

interface TouchedSqlRow {
  id: number;
  display_id: number;
  inbox_id: number;
  status: ConversationRow['status'];
  team_id: number | null;
  contact_inbox_id: number | null;
  contact_id: number;
  contact_email: string | null;
  inbox_channel: string;
}

const touchStatement = fixedStatement<TouchedSqlRow, { accountId: number; id: number; now: string; firstReply: boolean }>(
  'conversation_touch',
  sql`update ${conversations} c set last_activity_at = ${param('now')}::timestamptz, updated_at = ${param('now')}::timestamptz,
      first_reply_at = case when ${param('firstReply')}::boolean then coalesce(c.first_reply_at, ${param('now')}::timestamptz) else c.first_reply_at end
    where c.account_id = ${param('accountId')} and c.id = ${param('id')}
    returning c.id, c.display_id, c.inbox_id, c.status, c.team_id, c.contact_inbox_id, c.contact_id,
      (select ct.email from ${contacts} ct where ct.account_id = c.account_id and ct.id = c.contact_id) as contact_email,
      (select i.channel_type from ${inboxes} i where i.account_id = c.account_id and i.id = c.inbox_id) as inbox_channel`,
);

/**
 * Records that a message is being added to the conversation (last activity; an agent's first
 * public reply) and answers what adding it needs, or undefined when the conversation is not the
 * account's. One statement, which locks the row until the message's transaction ends (as
 * SELECT ... FOR UPDATE did): messages added at once queue up here. The status returned is the
 * status before the message (this statement does not change it).
 */
export async function touchForMessage(tx: Tx, accountId: number, id: number, { firstReply }: { firstReply: boolean }) {
  const [row] = await touchStatement(tx, { accountId, id, now: new Date().toISOString(), firstReply });
  if (!row) return undefined;
  return {
    id: row.id,
    displayId: row.display_id,
    inboxId: row.inbox_id,
    status: row.status,
    teamId: row.team_id,
    contactInboxId: row.contact_inbox_id,
    contactId: row.contact_id,
    contactEmail: row.contact_email,
    inboxChannel: row.inbox_channel,
  };
}

export interface MessagePageQuery {
  order: 'asc' | 'desc';
  cursor?: string | undefined;
  limit: number;
}

/**
 * A page of a conversation's messages (those `where` lets through), oldest or newest first by
 * (createdAt, id), each as the API shows it with its attachments (`attachmentsOf`: one query
 * for the page). Agents and contacts page the same way; contacts see fewer messages.
 */
export async function messagePage(
  tx: Tx,
  accountId: number,
  conversationId: number,
  query: MessagePageQuery,
  attachmentsOf: (messageIds: number[]) => Promise<Map<number, PresentedAttachment[]>>,
  where: (SQL | undefined)[] = [],
) {
  const after = decodeTimeIdCursor(query.cursor);
  const beyond = after
    ? query.order === 'asc'
      ? sql`(${messages.createdAt}, ${messages.id}) > (${after.at.toISOString()}::timestamptz, ${after.id})`
      : sql`(${messages.createdAt}, ${messages.id}) < (${after.at.toISOString()}::timestamptz, ${after.id})`
    : undefined;
  const rows = await selectMessages(tx, accountId, [eq(messages.conversationId, conversationId), beyond, ...where], query.order, query.limit + 1);
  const page = toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
  const files = await attachmentsOf(page.data.filter((row) => row.hasAttachments).map((row) => row.id));
  return { ...page, data: page.data.map((row) => toMessage(row, files.get(row.id))) };
}

/** The HTML and the whole text of one of the conversation's e-mail messages; undefined when there is no such e-mail. */
export async function selectEmailBody(tx: Tx, accountId: number, conversationId: number, messageId: number) {
  const [body] = await tx
    .select({ html: sql<string | null>`${messages.email}->>'html'`, fullText: sql<string | null>`${messages.email}->>'fullText'` })
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.conversationId, conversationId), eq(messages.id, messageId), isNotNull(messages.email)));
  return body;
}

/**
 * A new conversation with its next display number: a customer's first message (the service's
 * `open`) or the demo account's history (its past dates and states set as they were).
 */
export async function insertConversation(tx: Tx, values: Omit<typeof conversations.$inferInsert, 'displayId'> & { accountId: number }) {
  const [created] = await tx
    .insert(conversations)
    .values({ ...values, displayId: await nextDisplayId(tx, values.accountId) })
    .returning({ id: conversations.id });
  return created!.id;
}

/** The next per-account display number; the row lock serialises numbering within an account. */
async function nextDisplayId(tx: Tx, accountId: number): Promise<number> {
  const [row] = await tx
    .update(accounts)
    .set({ lastDisplayId: sql`${accounts.lastDisplayId} + 1` })
    .where(eq(accounts.id, accountId))
    .returning({ displayId: accounts.lastDisplayId });
  return row!.displayId;
}

/** A message as the API shows it, with its attachments (none for most). */
export function toMessage(row: MessageRow, attachments: PresentedAttachment[] = []) {
  const { senderUserId, senderContactId, senderUserName, senderContactName, hasAttachments: _, ...message } = row;
  const sender =
    senderUserId != null
      ? { type: 'user' as const, id: senderUserId, name: senderUserName }
      : senderContactId != null
        ? { type: 'contact' as const, id: senderContactId, name: senderContactName }
        : null;
  return { ...message, sender, attachments };
}
