/**
 * An agent's public reply in an e-mail conversation becomes an e-mail: in the reply's own
 * transaction it gets its Message-ID, its envelope (subject, from, to) and its place in the
 * thread (In-Reply-To, References), and an `email-send` job (modules/email/outbound-mail.ts)
 * sends it through the inbox's relay. An inbox without e-mail settings (the demo's) sends nothing.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { inboxes, messages, users, type EmailDetails } from '../../db/schema.js';
import { jobKey } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';

/** References beyond these (the oldest) are left out: long threads would make ever longer headers. */
const MAX_REFERENCES = 20;
/**
 * Attempts of one sending, with the queue's backoff (1 s, 4 s, 16 s, ...): a relay down for an
 * hour and a half is waited out; after that the reply shows as failed, for an agent to retry.
 */
export const EMAIL_SEND_ATTEMPTS = 8;
/** Reply prefixes mail clients put before a subject (English, German, Nordic), any number of times. */
const REPLY_PREFIX = /^(?:\s*(?:re|aw|sv)(?:\[\d+\])?\s*:)+\s*/i;

export const NO_RECIPIENT = 'The contact has no e-mail address: add one to the contact, then retry';

/** What the reply's row gets besides its text. */
export interface EmailReply {
  sourceId: string;
  email: EmailDetails;
  deliveryStatus: 'queued' | 'failed';
  deliveryError: string | null;
}

/** `Re: ` and the thread's subject, however many `Re:` the customer's client put before it. */
export function replySubject(threadSubject: string | null, fallback: string): string {
  const subject = threadSubject?.replace(REPLY_PREFIX, '').trim();
  return `Re: ${subject || fallback}`;
}

/** A Message-ID of our own, in the inbox's domain (RFC 5322: unique, with its angle brackets). */
export const newMessageId = (inboxAddress: string) => `<${randomUUID()}@${inboxAddress.slice(inboxAddress.lastIndexOf('@') + 1)}>`;

/**
 * The e-mail a public reply in this conversation becomes, or undefined when its inbox does not
 * send e-mail. A contact without an address gets a reply failed at once, saying why.
 */
export async function emailReply(
  tx: Tx,
  accountId: number,
  conversation: { id: number; displayId: number; inboxId: number; contact: { email: string | null } },
  agentId: number | undefined,
): Promise<EmailReply | undefined> {
  const [inbox] = await tx
    .select({ address: sql<string | null>`${inboxes.settings}->>'address'` })
    .from(inboxes)
    .where(and(eq(inboxes.accountId, accountId), eq(inboxes.id, conversation.inboxId), eq(inboxes.channelType, 'email')));
  if (!inbox?.address) return undefined;
  const inThread = and(eq(messages.accountId, accountId), eq(messages.conversationId, conversation.id));
  const [first] = await tx
    .select({ subject: sql<string | null>`${messages.email}->>'subject'` })
    .from(messages)
    .where(and(inThread, sql`${messages.email}->>'subject' <> ''`))
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(1);
  const [latestIncoming] = await tx
    .select({ sourceId: messages.sourceId })
    .from(messages)
    .where(and(inThread, eq(messages.messageType, 'incoming'), isNotNull(messages.sourceId)))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(1);
  const thread = await tx
    .select({ sourceId: messages.sourceId })
    .from(messages)
    .where(and(inThread, isNotNull(messages.sourceId)))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(MAX_REFERENCES);
  const [agent] = agentId === undefined ? [] : await tx.select({ name: users.name }).from(users).where(eq(users.id, agentId));
  const to = conversation.contact.email ? [conversation.contact.email] : [];
  return {
    sourceId: newMessageId(inbox.address),
    email: {
      subject: replySubject(first?.subject ?? null, `Conversation #${conversation.displayId}`),
      from: { address: inbox.address, name: agent?.name ?? null },
      to,
      cc: [],
      html: null,
      fullText: null,
      inReplyTo: latestIncoming?.sourceId ?? null,
      references: thread.map((row) => row.sourceId!).reverse(),
      automated: false,
      authentication: null,
    },
    deliveryStatus: to.length > 0 ? 'queued' : 'failed',
    deliveryError: to.length > 0 ? null : NO_RECIPIENT,
  };
}

/**
 * The reply's sending job, in the transaction that queued it. Its key is the message's: queued
 * twice, it is sent once. A retry (`again`) is a new job, since the first has ended.
 */
export function enqueueEmailSend(tx: Tx, queue: Pick<JobQueue, 'enqueue'>, accountId: number, messageId: number, again = false) {
  const key = again ? jobKey('msg', messageId, randomUUID()) : jobKey('msg', messageId);
  return queue.enqueue(tx, 'email-send', { accountId, messageId }, { key, maxAttempts: EMAIL_SEND_ATTEMPTS });
}
