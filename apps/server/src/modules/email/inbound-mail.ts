/**
 * Mail coming in, by any of the three ways (the SMTP listener, IMAP, the inbound webhook), in two
 * steps:
 * - `accept` streams the raw message into storage (counted: nothing over the size limit is kept),
 *   applies the per-sender limit, and writes an `email-inbound` job in the inbox's tenant
 *   transaction. Only once that has committed may the way in say "taken" (SMTP 250, IMAP \Seen,
 *   HTTP 202): from then on the mail survives a crash.
 * - `ingest` (the job) reads the message in a thread of its own (mail-parser.ts) and takes it the
 *   one path of every customer message (conversations.service.ts): a reply in its thread, or a
 *   new conversation; a bounce marks our reply failed instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { and, eq, inArray, sql } from 'drizzle-orm';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { queryRows, type AppDb, type Tx } from '../../db/client.js';
import { contactInboxes, conversations, inboxes, messages } from '../../db/schema.js';
import { AppError, NotFoundError, postgresCode } from '../../platform/errors.js';
import { jobKey, type JobContext, type JobPayloads, type JobResult } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import type { FileStorage } from '../../platform/storage/storage.js';
import { withTenant } from '../../platform/tenancy.js';
import type { AttachmentLimits, StoredFile } from '../attachments/uploads.js';
import { findOrCreateContact } from '../contacts/contacts.repo.js';
import { forwardingAddress } from '../inboxes/email-settings.js';
import type { ConversationService } from '../conversations/conversations.service.js';
import type { MessageDeliveries } from '../conversations/deliveries.js';
import { headerFields, splitMessage } from './mail-headers.js';
import { MailParseError, parseMail } from './mail-parser.js';
import { readRoughly, type ReadMail } from './mail-reading.js';
import type { ThreadTokens } from './thread-token.js';

/** How the mail came: the SMTP listener, an IMAP mailbox, the inbound webhook. */
export type MailSource = JobPayloads['email-inbound']['source'];

export class EmailTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super(413, 'email_too_large', `An e-mail may be at most ${Math.floor(maxBytes / 1_048_576)} MB`);
  }
}

export class SenderRateLimitedError extends AppError {
  constructor(limit: number) {
    super(429, 'sender_rate_limited', `This sender has sent more than ${limit} messages in the last hour to this inbox; try again later`);
  }
}

/** Advisory lock class (with the inbox and sender) that orders one sender's mail, so the hourly limit holds across replicas. */
const SENDER_LOCK = 7_234_020;
/** The header block read for the From address is at most this long (a longer one counts by the envelope sender). */
const HEAD_MAX_BYTES = 256 * 1024;

export interface InboundMailDependencies {
  db: AppDb;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  storage: FileStorage;
  /** `inboundDomain`: EMAIL_INBOUND_DOMAIN, where each inbox also receives at its forwarding address. */
  config: { maxBytes: number; senderRateLimitPerHour: number; inboundDomain: string | undefined };
  /** The one path of customer messages. */
  conversations: Pick<ConversationService, 'openFromChannel' | 'addMessage'>;
  /** Bounces mark our replies failed. */
  deliveries: Pick<MessageDeliveries, 'failBySourceId'>;
  threadTokens: Pick<ThreadTokens, 'conversationOf'>;
  /** A message keeps at most `maxFiles` attachments of at most `maxBytes` each (ATTACHMENT_MAX_BYTES), as uploads do. */
  attachmentLimits: AttachmentLimits;
}

/** The inbox a mail came to: its own address, and its forwarding address when the install has one. */
type MailInbox = { id: number; address: string; forwardingAddress: string | undefined };

/** How a mail found its conversation. */
type Threading = { conversationId: number; by: 'message-id' | 'plus-address' } | null;

export function createInboundMail({
  db,
  queue,
  storage,
  config,
  conversations: conversationService,
  deliveries,
  threadTokens,
  attachmentLimits,
}: InboundMailDependencies) {
  /** The conversation a mail answers: one of its referenced Message-IDs in this inbox, else a plus-address of it. */
  async function threadOf(tx: Tx, accountId: number, inbox: MailInbox, mail: ReadMail, recipients: string[]): Promise<Threading> {
    // The newest reference first: In-Reply-To, then References from the end.
    const ids = [...new Set([...(mail.email.inReplyTo ? [mail.email.inReplyTo] : []), ...[...mail.email.references].reverse()])];
    if (ids.length > 0) {
      // Only this account's messages, in this inbox: a Message-ID of another account's thread (it is
      // no secret: anyone who got a reply has one) opens a new conversation here, never reaches there.
      const rows = await tx
        .select({ sourceId: messages.sourceId, conversationId: messages.conversationId })
        .from(messages)
        .innerJoin(conversations, and(eq(conversations.accountId, messages.accountId), eq(conversations.id, messages.conversationId)))
        .where(and(eq(messages.accountId, accountId), inArray(messages.sourceId, ids), eq(conversations.inboxId, inbox.id)));
      const found = ids.map((id) => rows.find((row) => row.sourceId === id)).find(Boolean);
      if (found) return { conversationId: found.conversationId, by: 'message-id' };
    }
    // A reply whose client dropped the references still comes to the Reply-To plus-address, which only we can make.
    for (const recipient of new Set([...recipients, ...mail.recipients])) {
      const id = threadTokens.conversationOf(inbox.address, recipient, inbox.forwardingAddress);
      if (id === null) continue;
      const [conversation] = await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.accountId, accountId), eq(conversations.id, id), eq(conversations.inboxId, inbox.id)));
      if (conversation) return { conversationId: conversation.id, by: 'plus-address' };
    }
    return null;
  }

  /**
   * The sender as a contact of the account, and their contact inbox here (its source id the
   * address): the inbox's contact for an address stays who it was, even after an agent edits
   * the contact's e-mail.
   */
  async function senderOf(tx: Tx, accountId: number, inboxId: number, mail: ReadMail, envelopeSender: string) {
    const address = mail.email.from?.address ?? (envelopeSender.includes('@') ? envelopeSender : null);
    const sourceId = address ?? `no-address:${mail.messageId}`;
    const mine = and(eq(contactInboxes.accountId, accountId), eq(contactInboxes.inboxId, inboxId), eq(contactInboxes.sourceId, sourceId));
    const [known] = await tx.select({ id: contactInboxes.id, contactId: contactInboxes.contactId }).from(contactInboxes).where(mine);
    if (known) return { contactId: known.contactId, contactInboxId: known.id };
    const contact = address
      ? await findOrCreateContact(tx, accountId, { email: address, name: mail.email.from?.name ?? undefined })
      : await findOrCreateContact(tx, accountId, { name: mail.email.from?.name ?? 'Unknown sender' });
    const [created] = await tx
      .insert(contactInboxes)
      .values({ accountId, inboxId, contactId: contact.id, sourceId, verified: false })
      .returning({ id: contactInboxes.id });
    return { contactId: contact.id, contactInboxId: created!.id };
  }

  /** The mail's attachments, written under the conversation's folder. */
  async function storeFiles(accountId: number, conversationId: number, mail: ReadMail, stored: StoredFile[]): Promise<StoredFile[]> {
    for (const file of mail.attachments) {
      const key = `${accountId}/${conversationId}/${randomBytes(18).toString('base64url')}`;
      await storage.put(key, file.content);
      stored.push({ key, fileName: file.fileName, contentType: file.contentType, size: file.content.byteLength });
    }
    return stored;
  }

  const messageWith = (tx: Tx, accountId: number, sourceId: string) =>
    tx
      .select({ id: messages.id, conversationId: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.sourceId, sourceId)))
      .then((rows) => rows[0]);

  /** Takes the mail into its conversation (or a new one); answers what the job reports. */
  async function take(payload: JobPayloads['email-inbound'], inbox: MailInbox, mail: ReadMail, job: JobContext) {
    const { accountId } = payload;
    const scope = { accountId };
    const { threading, sender } = await withContactRace(() =>
      withTenant(db, scope, async (tx) => ({
        threading: await threadOf(tx, accountId, inbox, mail, payload.recipients ?? []),
        sender: await senderOf(tx, accountId, inbox.id, mail, payload.sender),
      })),
    );
    const details = { sourceId: mail.messageId, email: mail.email };
    const stored: StoredFile[] = [];
    try {
      if (threading) {
        await storeFiles(accountId, threading.conversationId, mail, stored);
        const message = await conversationService.addMessage(scope, threading.conversationId, {
          content: mail.content,
          messageType: 'incoming',
          attachments: stored,
          channel: { ...details, senderContactId: sender.contactId },
        });
        job.log(`E-mail threaded into conversation ${threading.conversationId} (by ${threading.by})`, { accountId, messageId: message.id });
        return { conversationId: threading.conversationId, messageId: message.id, threadedBy: threading.by, attachments: stored.length };
      }
      const opened = await conversationService.openFromChannel(scope, {
        inboxId: inbox.id,
        contactId: sender.contactId,
        contactInboxId: sender.contactInboxId,
        message: { content: mail.content, ...details },
        files: (conversationId) => storeFiles(accountId, conversationId, mail, stored),
      });
      job.log(`E-mail opened conversation ${opened.conversation.id}`, { accountId, conversationId: opened.conversation.id });
      return { conversationId: opened.conversation.id, messageId: opened.message?.id ?? null, threadedBy: null, attachments: stored.length };
    } catch (error) {
      await Promise.all(stored.map((file) => storage.remove(file.key)));
      // The same Message-ID taken meanwhile by another copy of the mail (another way in, other bytes): it is there once.
      if (postgresCode(error) === '23505') {
        const existing = await withTenant(db, scope, (tx) => messageWith(tx, accountId, mail.messageId));
        if (existing) return { duplicateOf: existing.id };
      }
      throw error;
    }
  }

  /** The first of the returned message's ids that is one of our replies, now failed; null when none is. */
  async function markBounced(accountId: number, bounce: NonNullable<ReadMail['bounce']>): Promise<string | null> {
    for (const id of bounce.messageIds) if (await deliveries.failBySourceId(accountId, id, bounce.reason)) return id;
    return null;
  }

  async function outcome(payload: JobPayloads['email-inbound'], inbox: MailInbox, mail: ReadMail, job: JobContext): Promise<JobResult> {
    const { accountId } = payload;
    const existing = await withTenant(db, { accountId }, (tx) => messageWith(tx, accountId, mail.messageId));
    if (existing) {
      job.log(`E-mail ${mail.messageId} is already message ${existing.id}`, { accountId });
      return { duplicateOf: existing.id };
    }
    if (mail.bounce) {
      const failed = mail.bounce.failed ? await markBounced(accountId, mail.bounce) : null;
      // A delivery report never opens a conversation: nobody should answer a mailer daemon.
      if (mail.bounce.report || failed) {
        job.log(failed ? `Bounce: reply ${failed} failed (${mail.bounce.reason})` : 'Delivery report about no reply of ours: nothing to do', { accountId });
        return { bounce: true, failedReply: failed };
      }
      // A daemon's words about mail that is not ours: the agents see it, as automatic mail.
      mail.email.automated = true;
    }
    return take(payload, inbox, mail, job);
  }

  return {
    /**
     * Takes one raw message for an e-mail inbox (the caller found the inbox). The sender whose
     * hourly count it adds to is the From header's address, else the envelope sender: auto-replies
     * come with an empty envelope sender (RFC 3834), and a loop of them must still meet the limit.
     * The same bytes accepted twice make one job (`queued: false` the second time, nothing kept).
     */
    async accept(
      inbox: { accountId: number; inboxId: number },
      raw: Readable | Buffer,
      source: MailSource,
      envelope: { sender: string | null; recipients?: string[] | undefined },
    ): Promise<{ queued: boolean }> {
      const storageKey = `${inbox.accountId}/inbound-mail/${randomBytes(18).toString('base64url')}`;
      const measure = new MeasuredMail(config.maxBytes);
      const body = Buffer.isBuffer(raw) ? Readable.from([raw]) : raw;
      // Piped, not pipelined: a message over the limit stops being stored, but its sender's
      // stream is still read to its end (an SMTP client waits for its answer after the last line).
      body.on('error', (error) => measure.destroy(error));
      measure.on('error', () => {
        body.unpipe(measure);
        body.resume();
      });
      body.pipe(measure);
      await storage.put(storageKey, measure);

      const sender = (measure.fromAddress() ?? envelope.sender?.trim().toLowerCase()) || '<>';
      const recipients = envelope.recipients?.map((address) => address.trim().toLowerCase()).slice(0, 100);
      const payload = { ...inbox, storageKey, source, sender, ...(recipients?.length ? { recipients } : {}) };
      try {
        const queued = await withTenant(db, { accountId: inbox.accountId }, async (tx) => {
          const [known] = await tx
            .select({ id: inboxes.id })
            .from(inboxes)
            .where(and(eq(inboxes.accountId, inbox.accountId), eq(inboxes.id, inbox.inboxId), eq(inboxes.channelType, 'email')));
          if (!known) throw new NotFoundError('Inbox');
          await tx.execute(sql`select pg_advisory_xact_lock(${SENDER_LOCK}, hashtext(${`${inbox.inboxId} ${sender}`}))`);
          // The jobs table is the count: it holds every accepted mail, on every replica's behalf.
          const [counted] = await queryRows<{ count: number }>(
            tx,
            sql`select count(*)::int as count from jobs where account_id = ${inbox.accountId} and queue = 'email-inbound'
              and created_at > now() - interval '1 hour' and payload->>'inboxId' = ${String(inbox.inboxId)} and payload->>'sender' = ${sender}`,
          );
          if (counted!.count >= config.senderRateLimitPerHour) throw new SenderRateLimitedError(config.senderRateLimitPerHour);
          // Reading never fails on the message itself (a broken one is read roughly): what a retry
          // waits out is the database or the disk, and ten attempts span a day.
          return queue.enqueue(tx, 'email-inbound', payload, { key: jobKey(inbox.accountId, inbox.inboxId, measure.digest()), maxAttempts: 10 });
        });
        // Delivered before (a retried SMTP transaction, an IMAP message fetched again): its first job has it.
        if (!queued) await storage.remove(storageKey);
        else queue.wake();
        return { queued };
      } catch (error) {
        await storage.remove(storageKey);
        throw error;
      }
    },

    /**
     * The `email-inbound` job: reads the stored message and takes it in once (its Message-ID is
     * the account's source id), then removes the raw file. A bounce marks our reply failed and
     * opens nothing. Run again after a crash, it finds the message already there.
     */
    async ingest(payload: JobPayloads['email-inbound'], job: JobContext): Promise<JobResult> {
      const { accountId, storageKey } = payload;
      const raw = await readStored(storage, storageKey);
      if (!raw) return { skipped: 'the raw message is gone: an earlier run took it in' };
      const [inbox] = await withTenant(db, { accountId }, (tx) =>
        tx
          .select({ id: inboxes.id, identifier: inboxes.identifier, settings: inboxes.settings })
          .from(inboxes)
          .where(and(eq(inboxes.accountId, accountId), eq(inboxes.id, payload.inboxId), eq(inboxes.channelType, 'email'))),
      );
      if (!inbox) {
        await storage.remove(storageKey);
        return { skipped: 'the inbox was deleted' };
      }
      let mail: ReadMail;
      try {
        mail = await parseMail(raw, { maxFiles: attachmentLimits.maxFiles, maxFileBytes: attachmentLimits.maxBytes });
      } catch (error) {
        // Too slow or too large to read in full: the agents still get what came, marked as such.
        if (!(error instanceof MailParseError)) throw error;
        mail = readRoughly(raw, error.message);
      }
      if (mail.unreadable) job.log(`E-mail read roughly: ${mail.unreadable}`, { accountId });

      const address = typeof inbox.settings.address === 'string' ? inbox.settings.address : '';
      const forwarding = config.inboundDomain ? forwardingAddress(inbox.identifier, config.inboundDomain) : undefined;
      const result = await outcome(payload, { id: inbox.id, address, forwardingAddress: forwarding }, mail, job);
      await storage.remove(storageKey);
      return result;
    },
  };
}

export type InboundMail = ReturnType<typeof createInboundMail>;

/** A raw message's bytes, or undefined when they are gone. */
async function readStored(storage: FileStorage, key: string): Promise<Buffer | undefined> {
  const stream = await storage.get(key);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Two mails of a new sender at once both create the contact: the later one meets the unique
 * e-mail index, and on its second try finds the first one's contact.
 */
async function withContactRace<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (postgresCode(error) !== '23505') throw error;
    return work();
  }
}

/**
 * Passes a raw message on while counting its bytes (the first byte over the limit fails it),
 * hashing them (the job key: the same message twice is one job) and keeping its header block.
 */
class MeasuredMail extends Transform {
  private size = 0;
  private readonly hash = createHash('sha256');
  private head: Buffer | undefined = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return done(new EmailTooLargeError(this.maxBytes));
    this.hash.update(chunk);
    if (this.head && this.head.length < HEAD_MAX_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_MAX_BYTES - this.head.length)]);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  /** The From header's address (lower-case), when the header block is whole and names one. */
  fromAddress(): string | undefined {
    const text = this.head?.toString('latin1') ?? '';
    // A message without a body is all header block, when all of it was kept.
    const block = splitMessage(text)?.head ?? (this.size <= HEAD_MAX_BYTES ? text : '');
    const [from] = headerFields(block, 'from');
    if (!from) return undefined;
    const [first] = addressparser(from, { flatten: true });
    return first?.address.includes('@') ? first.address.toLowerCase() : undefined;
  }
}
