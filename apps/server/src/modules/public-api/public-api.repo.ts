/** Queries of the public client API; each runs in the inbox's tenant transaction and filters by account. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { contactInboxes, contacts, conversations, users } from '../../db/schema.js';

/** A contact inbox with its contact, as the token names it. */
export async function findContactInbox(tx: Tx, accountId: number, contactInboxId: number) {
  const [row] = await tx
    .select({
      id: contactInboxes.id,
      inboxId: contactInboxes.inboxId,
      sourceId: contactInboxes.sourceId,
      verified: contactInboxes.verified,
      contactId: contacts.id,
      name: contacts.name,
      email: contacts.email,
      attributes: contacts.attributes,
    })
    .from(contactInboxes)
    .innerJoin(contacts, and(eq(contacts.accountId, contactInboxes.accountId), eq(contacts.id, contactInboxes.contactId)))
    .where(and(eq(contactInboxes.accountId, accountId), eq(contactInboxes.id, contactInboxId)));
  return row;
}

export type ContactInboxRow = NonNullable<Awaited<ReturnType<typeof findContactInbox>>>;

/** Whether another contact of the account has this e-mail (the index is on lower(email)). */
export async function emailTaken(tx: Tx, accountId: number, email: string, exceptContactId?: number) {
  const [row] = await tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(
      and(
        eq(contacts.accountId, accountId),
        sql`lower(${contacts.email}) = lower(${email})`,
        exceptContactId === undefined ? undefined : sql`${contacts.id} <> ${exceptContactId}`,
      ),
    );
  return row !== undefined;
}

const publicConversationColumns = {
  id: conversations.id,
  status: conversations.status,
  createdAt: conversations.createdAt,
  lastActivityAt: conversations.lastActivityAt,
  agentName: users.name,
};

/** The contact inbox's conversations (one, when `id` is given), newest activity first, with the assignee's name. */
export function selectContactConversations(tx: Tx, accountId: number, contactInboxId: number, options: { id?: number; limit: number }) {
  return tx
    .select(publicConversationColumns)
    .from(conversations)
    .leftJoin(users, eq(users.id, conversations.assigneeId))
    .where(
      and(
        eq(conversations.accountId, accountId),
        eq(conversations.contactInboxId, contactInboxId),
        options.id === undefined ? undefined : eq(conversations.id, options.id),
      ),
    )
    .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
    .limit(options.limit);
}

/** The name of an agent of the account (the assignee a contact sees), or null. */
export async function agentName(tx: Tx, userId: number | null) {
  if (userId === null) return null;
  const [row] = await tx.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? null;
}
