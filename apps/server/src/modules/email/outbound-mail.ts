/**
 * The `email-send` job: an agent's reply (conversations/email-replies.ts gave it its Message-ID
 * and place in the thread) leaves through its inbox's SMTP relay. The relay accepting it makes it
 * `sent`; a relay refusing it for good (a 5xx answer), or settings it cannot be sent with, make it
 * `failed` at once with what was said; anything that may pass (a 4xx answer, a timeout, a relay
 * that is down) is retried by the queue, and the last attempt failing leaves it `failed` with the
 * relay's answer. Either way the agents see it (conversations/deliveries.ts).
 *
 * An attempt, resolving the relay to its last answer, ends within EMAIL_TIMEOUT_MS (at most half
 * the 60 s a worker holds a job, config.ts): a longer one would be taken over by another worker
 * and the reply mailed twice. Past it the connection is closed and the attempt counts as failed
 * for now.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { AppDb } from '../../db/client.js';
import { conversations, inboxes, messages } from '../../db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { JobContext, JobPayloads, JobResult } from '../../platform/queue/jobs.js';
import type { SecretBox } from '../../platform/secret-box.js';
import type { FileStorage } from '../../platform/storage/storage.js';
import { withTenant } from '../../platform/tenancy.js';
import { selectAttachments } from '../attachments/attachments.repo.js';
import type { MessageDeliveries } from '../conversations/deliveries.js';
import { openEmailSettings, type EmailChannel } from '../inboxes/email-settings.js';
import { composeReply, displayName } from './compose.js';
import { headerText } from './mail-headers.js';
import { describeMailServerError, MailServerError, smtpTransportOptions, type MailPolicy } from './mail-servers.js';
import type { ThreadTokens } from './thread-token.js';

/** A reason the reply cannot be sent however often it is tried: it fails at once. */
class Undeliverable extends Error {}

/** nodemailer stops a send and closes its connection when `signal` aborts (its README); @types/nodemailer 8 does not list it yet. */
type AbortableMail = Mail.Options & { signal: AbortSignal };

/** Tries at marking a reply failed when it is given up on, and the waits before the second and third. */
const GIVE_UP_WAITS_MS = [0, 500, 2_000];

/** A permanent answer: the relay refused the message, its recipient or our credentials (SMTP 5xx). */
const refusedForGood = (error: unknown) => {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
};

export function createOutboundMail({
  db,
  storage,
  secretBox,
  threadTokens,
  deliveries,
  policy,
}: {
  db: AppDb;
  storage: Pick<FileStorage, 'get'>;
  secretBox: SecretBox;
  threadTokens: Pick<ThreadTokens, 'address'>;
  deliveries: Pick<MessageDeliveries, 'markSent' | 'markFailed'>;
  policy: MailPolicy;
}) {
  /** The reply with its conversation, its inbox's settings and its files' rows, as they are now. */
  const load = (accountId: number, messageId: number) =>
    withTenant(db, { accountId }, async (tx) => {
      const [row] = await tx
        .select({
          conversationId: messages.conversationId,
          content: messages.content,
          sourceId: messages.sourceId,
          email: messages.email,
          deliveryStatus: messages.deliveryStatus,
          channelType: inboxes.channelType,
          settings: inboxes.settings,
        })
        .from(messages)
        .innerJoin(conversations, and(eq(conversations.accountId, messages.accountId), eq(conversations.id, messages.conversationId)))
        .innerJoin(inboxes, and(eq(inboxes.accountId, conversations.accountId), eq(inboxes.id, conversations.inboxId)))
        .where(and(eq(messages.accountId, accountId), eq(messages.id, messageId), eq(messages.messageType, 'outgoing')));
      return row && { ...row, files: await selectAttachments(tx, accountId, [messageId]) };
    });

  type Reply = NonNullable<Awaited<ReturnType<typeof load>>>;

  function channelOf(reply: Reply): EmailChannel {
    if (reply.channelType !== 'email') throw new Undeliverable('The inbox is no longer an e-mail inbox');
    try {
      return openEmailSettings(reply.settings, secretBox);
    } catch (error) {
      if (error instanceof AppError) throw new Undeliverable(error.message);
      throw error;
    }
  }

  /** The e-mail as the customer's client will show and thread it. */
  async function compose(reply: Reply, channel: EmailChannel, files: Readable[]): Promise<Mail.Options> {
    const email = reply.email;
    if (!email || !reply.sourceId) throw new Undeliverable('The message is not an e-mail reply');
    if (email.to.length === 0) throw new Undeliverable('The reply has no recipient');
    const { text, html } = composeReply(reply.content);
    return {
      from: { name: displayName(email.from?.name ?? ''), address: channel.address },
      replyTo: threadTokens.address(channel.address, reply.conversationId),
      to: email.to,
      subject: headerText(email.subject ?? ''),
      messageId: reply.sourceId,
      ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
      ...(email.references.length > 0 ? { references: email.references } : {}),
      text,
      html,
      attachments: reply.files.map((file, index) => ({ filename: file.fileName, contentType: file.contentType, content: files[index]! })),
    };
  }

  /** The files' bytes, opened for one attempt; a file gone from storage cannot be sent. */
  async function openFiles(reply: Reply): Promise<Readable[]> {
    const opened: Readable[] = [];
    for (const file of reply.files) {
      const body = await storage.get(file.storageKey);
      if (!body) {
        for (const stream of opened) stream.destroy();
        throw new Undeliverable(`The attachment "${file.fileName}" is missing from storage`);
      }
      opened.push(body);
    }
    return opened;
  }

  /**
   * Marks the reply failed: a reply given up on must not stay `queued` for ever, so a database
   * that fails for a moment is tried again (within the job's lock) before the job fails too.
   */
  async function giveUp(accountId: number, messageId: number, reason: string, job: JobContext) {
    for (const [index, wait] of GIVE_UP_WAITS_MS.entries()) {
      await sleep(wait);
      try {
        await deliveries.markFailed(accountId, messageId, reason);
        return;
      } catch (error) {
        job.log(`Marking reply ${messageId} failed did not work: ${(error as Error).message}`, { accountId, messageId });
        if (index === GIVE_UP_WAITS_MS.length - 1) throw error;
      }
    }
  }

  /** One attempt: the reply sent (or settled) and what the relay said; an error when it may pass on another try. */
  async function attempt(accountId: number, messageId: number, job: JobContext): Promise<JobResult> {
    const reply = await load(accountId, messageId);
    // Deleted with its conversation, or settled meanwhile (sent by an earlier job, failed by a bounce).
    if (!reply) return { skipped: 'no such reply' };
    if (reply.deliveryStatus !== 'queued') return { skipped: `already ${reply.deliveryStatus ?? 'not an e-mail'}` };

    let channel: EmailChannel | undefined;
    let files: Readable[] = [];
    const deadline = AbortSignal.timeout(policy.timeoutMs);
    try {
      channel = channelOf(reply);
      const transport = nodemailer.createTransport(await smtpTransportOptions(channel.smtp, policy, deadline));
      try {
        files = await openFiles(reply);
        const mail: AbortableMail = { ...(await compose(reply, channel, files)), signal: deadline };
        const info = await transport.sendMail(mail);
        await deliveries.markSent(accountId, messageId);
        job.log(`Sent: the relay answered ${info.response}`, { accountId, messageId });
        return { sent: true, response: info.response };
      } finally {
        transport.close();
      }
    } catch (error) {
      for (const stream of files) stream.destroy();
      const permanent = error instanceof Undeliverable || refusedForGood(error) || (error instanceof MailServerError && error.stage === 'refused_destination');
      const reason =
        error instanceof Undeliverable || !channel
          ? (error as Error).message
          : (error as { code?: unknown }).code === 'EABORT'
            ? `${channel.smtp.host}:${channel.smtp.port} did not take the reply within ${policy.timeoutMs / 1000} s (EMAIL_TIMEOUT_MS)`
            : describeMailServerError(error, channel.smtp).message;
      if (!permanent) throw new Error(reason, { cause: error });
      await deliveries.markFailed(accountId, messageId, reason);
      return { sent: false, error: reason };
    }
  }

  return {
    async send({ accountId, messageId }: JobPayloads['email-send'], job: JobContext): Promise<JobResult> {
      // Claimed again after its last attempt: that attempt's end was never recorded (its worker
      // stopped, or the database was away). It may have reached the relay: not sent a second time.
      if (job.attempt > job.maxAttempts) {
        const reason = `The last of ${job.maxAttempts} attempts was cut off (the worker sending it stopped): it may or may not have reached the customer`;
        await giveUp(accountId, messageId, reason, job);
        return { sent: false, error: reason };
      }
      try {
        return await attempt(accountId, messageId, job);
      } catch (error) {
        // The queue tries again with backoff; the agents see the reply failed only when it gives up,
        // whatever failed last (the relay, reading the reply, the database).
        if (job.attempt >= job.maxAttempts) await giveUp(accountId, messageId, `Not sent after ${job.attempt} attempts: ${(error as Error).message}`, job);
        throw error;
      }
    },
  };
}

export type OutboundMail = ReturnType<typeof createOutboundMail>;
