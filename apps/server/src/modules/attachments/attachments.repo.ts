/** Queries of attachment rows; every one filters by account (the index leads with it). */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { attachments } from '../../db/schema.js';

const columns = {
  id: attachments.id,
  messageId: attachments.messageId,
  fileName: attachments.fileName,
  contentType: attachments.contentType,
  size: attachments.size,
  storageKey: attachments.storageKey,
};

export type AttachmentRow = Awaited<ReturnType<typeof selectAttachments>>[number];

export function insertAttachments(tx: Tx, rows: (typeof attachments.$inferInsert)[]) {
  return tx.insert(attachments).values(rows).returning(columns);
}

/** The attachments of these messages, in the order they were sent (one array parameter, however many). */
export function selectAttachments(tx: Tx, accountId: number, messageIds: number[]) {
  return tx
    .select(columns)
    .from(attachments)
    .where(and(eq(attachments.accountId, accountId), sql`${attachments.messageId} = any(${sql.param(messageIds)}::bigint[])`))
    .orderBy(asc(attachments.messageId), asc(attachments.id));
}

export async function selectAttachment(tx: Tx, accountId: number, id: number) {
  const [row] = await tx
    .select(columns)
    .from(attachments)
    .where(and(eq(attachments.accountId, accountId), eq(attachments.id, id)));
  return row;
}
