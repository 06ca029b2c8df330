/**
 * Where an agent's reply sent through a channel (e-mail) stands: `queued` while its sending job
 * has it, `sent` once the relay accepted it, `failed` with the relay's answer (or a bounce that
 * came back later). Every change is announced as `message:updated` once it has committed, so the
 * agents see it live; a failed reply can be queued again (`retry`).
 *
 * E-mail source ids are Message-IDs with their angle brackets, as mail carries them
 * (`<3f2a...@example.com>`), ours and the customers' alike.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { contacts, conversations, messages } from '../../db/schema.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { EventBus } from '../../realtime/event-bus.js';
import { conversationRooms } from '../../realtime/events.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import { selectMessages, toMessage } from './conversations.repo.js';
import { enqueueEmailSend, NO_RECIPIENT } from './email-replies.js';

type Status = 'queued' | 'sent' | 'failed';

/** The message as the API shows it, and the rooms its conversation's events go to. */
async function presentChanged(tx: Tx, attachments: Pick<AttachmentService, 'present'>, accountId: number, messageId: number) {
  const [row] = await selectMessages(tx, accountId, [eq(messages.id, messageId)], 'asc', 1);
  const [conversation] = await tx
    .select({ id: conversations.id, teamId: conversations.teamId, contactInboxId: conversations.contactInboxId })
    .from(conversations)
    .where(and(eq(conversations.accountId, accountId), eq(conversations.id, row!.conversationId)));
  const files = await attachments.present(tx, accountId, [messageId]);
  return { message: toMessage(row!, files.get(messageId)), rooms: conversationRooms(conversation!) };
}

export function createMessageDeliveries({
  db,
  events,
  queue,
  attachments,
}: {
  db: AppDb;
  events: Pick<EventBus, 'publish'>;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  attachments: Pick<AttachmentService, 'present'>;
}) {
  /**
   * Moves the account's outgoing message matching `which` from one of the `from` states to `to`;
   * announces it when it moved. Answers whether it did.
   */
  async function transition(accountId: number, which: SQL, from: Status[], to: Status, error: string | null) {
    const changed = await withTenant(db, { accountId }, async (tx) => {
      const [row] = await tx
        .update(messages)
        .set({ deliveryStatus: to, deliveryError: error })
        .where(and(eq(messages.accountId, accountId), which, eq(messages.messageType, 'outgoing'), inArray(messages.deliveryStatus, from)))
        .returning({ id: messages.id });
      return row ? presentChanged(tx, attachments, accountId, row.id) : undefined;
    });
    if (changed) events.publish(accountId, 'message:updated', { conversationId: changed.message.conversationId, message: changed.message }, changed.rooms);
    return changed !== undefined;
  }

  return {
    /** The relay accepted the reply. Only a queued one: a reply failed meanwhile (a bounce) stays failed. */
    markSent: (accountId: number, messageId: number) => transition(accountId, eq(messages.id, messageId), ['queued'], 'sent', null),

    /** The reply cannot be sent: `error` says why in words an agent can act on (the relay's answer). */
    markFailed: (accountId: number, messageId: number, error: string) => transition(accountId, eq(messages.id, messageId), ['queued'], 'failed', error),

    /**
     * A bounce (delivery-status notification) names the Message-ID of one of our replies: that
     * reply failed after all, whatever the relay said at first. True when `sourceId` is one of
     * this account's outgoing replies (failed now, or before); another account's Message-ID,
     * or a customer's, is not touched.
     */
    async failBySourceId(accountId: number, sourceId: string, reason: string): Promise<boolean> {
      const bySource = eq(messages.sourceId, sourceId);
      if (await transition(accountId, bySource, ['queued', 'sent'], 'failed', reason)) return true;
      const [already] = await withTenant(db, { accountId }, (tx) =>
        tx
          .select({ id: messages.id })
          .from(messages)
          .where(and(eq(messages.accountId, accountId), bySource, eq(messages.messageType, 'outgoing'), eq(messages.deliveryStatus, 'failed'))),
      );
      return already !== undefined;
    },

    /**
     * An agent sends a failed reply again: queued anew under a new job key (the first job has
     * ended). The recipient is the contact's address now when the reply had none (the agent
     * added it meanwhile). A reply that is not failed is on its way or arrived: 409.
     */
    async retry(ctx: TenantContext, conversationId: number, messageId: number) {
      const changed = await withTenant(db, ctx, async (tx) => {
        const [row] = await tx
          .select({ status: messages.deliveryStatus, email: messages.email, contactEmail: contacts.email })
          .from(messages)
          .innerJoin(conversations, and(eq(conversations.accountId, messages.accountId), eq(conversations.id, messages.conversationId)))
          .innerJoin(contacts, and(eq(contacts.accountId, conversations.accountId), eq(contacts.id, conversations.contactId)))
          .where(and(eq(messages.accountId, ctx.accountId), eq(messages.conversationId, conversationId), eq(messages.id, messageId)))
          .for('update', { of: messages });
        if (!row) throw new NotFoundError('Message');
        if (row.status !== 'failed' || !row.email) {
          throw new ConflictError(
            'not_failed',
            row.status ? `The reply is ${row.status}, not failed: there is nothing to retry` : 'Only a failed reply can be sent again',
          );
        }
        const to = row.email.to.length > 0 ? row.email.to : row.contactEmail ? [row.contactEmail] : [];
        if (to.length === 0) throw new UnprocessableError('no_recipient', NO_RECIPIENT);
        await tx
          .update(messages)
          .set({ deliveryStatus: 'queued', deliveryError: null, email: sql`jsonb_set(${messages.email}, '{to}', ${JSON.stringify(to)}::jsonb)` })
          .where(and(eq(messages.accountId, ctx.accountId), eq(messages.id, messageId)));
        await enqueueEmailSend(tx, queue, ctx.accountId, messageId, true);
        return presentChanged(tx, attachments, ctx.accountId, messageId);
      });
      queue.wake();
      events.publish(ctx.accountId, 'message:updated', { conversationId, message: changed.message }, changed.rooms);
      return changed.message;
    },
  };
}

export type MessageDeliveries = ReturnType<typeof createMessageDeliveries>;
