import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { messageClassifications } from '../../db/schema.js';

/** The classification of a conversation's latest classified customer message, if any. */
export async function latestClassification(tx: Tx, accountId: number, conversationId: number) {
  const [row] = await tx
    .select()
    .from(messageClassifications)
    .where(and(eq(messageClassifications.accountId, accountId), eq(messageClassifications.conversationId, conversationId)))
    .orderBy(desc(messageClassifications.createdAt), desc(messageClassifications.id))
    .limit(1);
  return row;
}

/** A classification as the API and the `ai:classification` event show it. */
export const toApi = <T extends { processingMs: number }>(row: T) => ({ ...row, processingTime: `${row.processingMs}ms` });
