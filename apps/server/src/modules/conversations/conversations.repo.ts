/** Queries of conversations and messages; every one filters by account (indexes lead with it). */
import { and, asc, desc, eq, isNotNull, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Static } from 'typebox';
import type { Tx } from '../../db/client.js';
import { accounts, contacts, conversations, messages, users } from '../../db/schema.js';
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
 * A page of the inbox. The page is cut from conversations alone (walking the index on
 * account + last activity), and only its rows are joined to their contacts: joining first
 * would make Postgres sort every conversation of the account.
 */
export function listConversations(tx: Tx, accountId: number, where: (SQL | undefined)[], limit: number) {
  const { contact: _, ...columns } = conversationColumns;
  const page = tx
    .select({ ...columns, contactId: conversations.contactId })
    .from(conversations)
    .where(and(eq(conversations.accountId, accountId), ...where))
    .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
    .limit(limit)
    .as('page');
  return tx
    .select({
      id: page.id,
      displayId: page.displayId,
      inboxId: page.inboxId,
      status: page.status,
      priority: page.priority,
      assigneeId: page.assigneeId,
      teamId: page.teamId,
      category: page.category,
      sentiment: page.sentiment,
      labels: page.labels,
      snoozedUntil: page.snoozedUntil,
      firstReplyAt: page.firstReplyAt,
      resolvedAt: page.resolvedAt,
      lastActivityAt: page.lastActivityAt,
      createdAt: page.createdAt,
      updatedAt: page.updatedAt,
      contactInboxId: page.contactInboxId,
      contact: { id: contacts.id, name: contacts.name, email: contacts.email },
    })
    .from(page)
    .innerJoin(contacts, and(eq(contacts.accountId, accountId), eq(contacts.id, page.contactId)))
    .orderBy(desc(page.lastActivityAt), desc(page.id));
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

/** Conversations as the API and its events show them, with their last message (one array parameter, however many). */
export async function presentConversations(tx: Tx, accountId: number, ids: number[]) {
  if (ids.length === 0) return [];
  const rows = await selectConversations(tx, accountId, [sql`${conversations.id} = any(${sql.param(ids)}::integer[])`], { limit: ids.length });
  const latest = await lastMessages(tx, accountId, ids);
  return rows.map((row) => ({ ...row, lastMessage: latest.get(row.id) ?? null }));
}

/** The latest customer-visible or note message of each conversation, for the inbox list. */
export async function lastMessages(tx: Tx, accountId: number, conversationIds: number[]) {
  if (conversationIds.length === 0) return new Map<number, never>();
  const rows = await tx
    .selectDistinctOn([messages.conversationId], {
      conversationId: messages.conversationId,
      id: messages.id,
      content: sql<string>`left(${messages.content}, 300)`,
      messageType: messages.messageType,
      private: messages.private,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.accountId, accountId),
        sql`${messages.conversationId} = any(${sql.param(conversationIds)}::integer[])`,
        ne(messages.messageType, 'activity'),
      ),
    )
    .orderBy(messages.conversationId, desc(messages.createdAt), desc(messages.id));
  return new Map(rows.map(({ conversationId, ...message }) => [conversationId, message]));
}

/**
 * An e-mail message's details as messages carry them: without the HTML and the whole text (they
 * can be megabytes; `selectEmailBody` has them), saying whether there are any. Left out here,
 * they never leave the database for a list of messages.
 */
const emailDetails = sql<Static<typeof EmailDetails> | null>`(${messages.email} - 'html' - 'fullText') || jsonb_build_object(
  'hasHtml', ${messages.email}->>'html' is not null,
  'hasMoreText', coalesce(btrim(${messages.email}->>'fullText', E' \t\r\n') <> btrim(${messages.content}, E' \t\r\n'), false))`;

export function selectMessages(tx: Tx, accountId: number, where: (SQL | undefined)[], order: 'asc' | 'desc', limit: number) {
  const direction = order === 'asc' ? asc : desc;
  return tx
    .select({
      id: messages.id,
      conversationId: messages.conversationId,
      messageType: messages.messageType,
      private: messages.private,
      content: messages.content,
      senderUserId: messages.senderUserId,
      senderContactId: messages.senderContactId,
      senderUserName: users.name,
      senderContactName: contacts.name,
      createdAt: messages.createdAt,
      email: emailDetails,
      deliveryStatus: messages.deliveryStatus,
      deliveryError: messages.deliveryError,
    })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderUserId))
    .leftJoin(contacts, and(eq(contacts.accountId, messages.accountId), eq(contacts.id, messages.senderContactId)))
    .where(and(eq(messages.accountId, accountId), ...where))
    .orderBy(direction(messages.createdAt), direction(messages.id))
    .limit(limit);
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
  const files = await attachmentsOf(page.data.map((row) => row.id));
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
  const { senderUserId, senderContactId, senderUserName, senderContactName, ...message } = row;
  const sender =
    senderUserId != null
      ? { type: 'user' as const, id: senderUserId, name: senderUserName }
      : senderContactId != null
        ? { type: 'contact' as const, id: senderContactId, name: senderContactName }
        : null;
  return { ...message, sender, attachments };
}
