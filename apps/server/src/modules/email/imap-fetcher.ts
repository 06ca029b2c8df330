/**
 * Fetching an e-mail inbox's IMAP mailbox (the `email-imap-poll` job): every unseen message, in
 * UID order and a bounded batch at a time, is handed to inboundMail.accept and only then flagged
 * \Seen. A crash (or a dropped connection) between the two leaves the message unseen: the next
 * poll fetches it again, and the accept key (the same bytes make one job) and the Message-ID
 * (messages.source_id) make it one message all the same. A message is downloaded whole before
 * it is accepted, so a connection that drops mid-fetch imports nothing of it.
 *
 * Polls form a chain per inbox: each first schedules the next (IMAP_POLL_INTERVAL_MS on), keyed
 * by its time slot, so two chains (a save's poll and the running one) fall into one, and a poll
 * that fails still has its successor. What went wrong is kept in the inbox's settings
 * (`imapState`) for its administrators; the job itself fails only when the database does.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FetchMessageObject } from 'imapflow';
import type { Config } from '../../config.js';
import type { AppDb, Tx } from '../../db/client.js';
import { inboxes } from '../../db/schema.js';
import { AppError } from '../../platform/errors.js';
import { jobKey, type JobContext, type JobPayloads, type JobResult } from '../../platform/queue/jobs.js';
import type { JobQueue } from '../../platform/queue/queue.js';
import type { SecretBox } from '../../platform/secret-box.js';
import { withTenant } from '../../platform/tenancy.js';
import { openEmailSettings, type EmailChannel, type ImapState } from '../inboxes/email-settings.js';
import type { InboundMail } from './inbound-mail.js';
import { describeMailServerError, inImapMailbox, MailServerError } from './mail-servers.js';

/** Messages one poll accepts at most; more waiting: the next poll runs at once. */
export const IMAP_BATCH = 50;
/** A poll job fails only when the database is away: retried long enough (backoff 1 s, 4 s, ... about a day) to outlast an outage. */
const POLL_ATTEMPTS = 10;

export interface ImapFetcherDependencies {
  db: AppDb;
  queue: Pick<JobQueue, 'enqueue' | 'wake'>;
  inboundMail: Pick<InboundMail, 'accept'>;
  secretBox: SecretBox;
  config: Pick<Config['email'], 'allowPrivateNetworks' | 'timeoutMs' | 'maxBytes' | 'imapPollIntervalMs'>;
}

interface FetchOutcome {
  imported: number;
  /** Unseen messages beyond this batch. */
  more: boolean;
  /** What the administrators should know though the poll worked (a message too large to take). */
  notes: string[];
  lastUid: number | undefined;
}

const appErrorCode = (error: unknown) => (error instanceof AppError ? error.code : undefined);

export function createImapFetcher({ db, queue, inboundMail, secretBox, config }: ImapFetcherDependencies) {
  const interval = config.imapPollIntervalMs;

  /** The poll of the next time slot: every chain of this inbox schedules the same one. */
  function scheduleNext(tx: Tx, accountId: number, inboxId: number) {
    const runAt = new Date((Math.floor(Date.now() / interval) + 1) * interval);
    return queue.enqueue(
      tx,
      'email-imap-poll',
      { accountId, inboxId },
      { key: jobKey(accountId, inboxId, runAt.getTime()), runAt, maxAttempts: POLL_ATTEMPTS },
    );
  }

  async function recordState(accountId: number, inboxId: number, state: ImapState, continueAfter: number | undefined) {
    await withTenant(db, { accountId }, async (tx) => {
      await tx
        .update(inboxes)
        .set({ settings: sql`jsonb_set(${inboxes.settings}, '{imapState}', ${JSON.stringify(state)}::jsonb)` })
        // An inbox whose mailbox was removed meanwhile keeps no state of it.
        .where(and(eq(inboxes.accountId, accountId), eq(inboxes.id, inboxId), eq(inboxes.channelType, 'email'), sql`${inboxes.settings}->'imap' is not null`));
      if (continueAfter !== undefined) {
        await queue.enqueue(
          tx,
          'email-imap-poll',
          { accountId, inboxId },
          { key: jobKey(accountId, inboxId, 'after', continueAfter), maxAttempts: POLL_ATTEMPTS },
        );
      }
    });
    if (continueAfter !== undefined) queue.wake();
  }

  function fetchNew(target: { accountId: number; inboxId: number }, mailbox: NonNullable<EmailChannel['imap']>, job: JobContext): Promise<FetchOutcome> {
    return inImapMailbox(
      mailbox,
      config,
      async (client) => {
        // imapflow answers false, not an error, when a command fails (the connection lost among others).
        const failed = (what: string) =>
          new MailServerError('connect', `${mailbox.host}:${mailbox.port} ${client.usable ? 'refused' : 'closed the connection'} while ${what}`);
        const found = await client.search({ seen: false }, { uid: true });
        if (!found) throw failed('listing the unseen messages');
        const unseen = found.sort((a, b) => a - b);
        const batch = unseen.slice(0, IMAP_BATCH);
        const outcome: FetchOutcome = { imported: 0, more: unseen.length > batch.length, notes: [], lastUid: batch.at(-1) };
        if (batch.length === 0) return outcome;
        const listed = new Map<number, FetchMessageObject>();
        for await (const message of client.fetch(batch.join(','), { uid: true, size: true, envelope: true }, { uid: true })) listed.set(message.uid, message);

        const markSeen = async (uid: number) => {
          // Not flagged, the message is fetched again next time, and recognised (the accept key, its Message-ID).
          if (!(await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true }))) throw failed(`flagging message UID ${uid} as read`);
        };
        const tooLarge = async (uid: number, size: number | undefined) => {
          // Left in the mailbox for a person to read there; flagged, so it does not block every poll.
          await markSeen(uid);
          outcome.notes.push(
            `Message UID ${uid}${size ? ` (${Math.ceil(size / 1_048_576)} MB)` : ''} is larger than EMAIL_MAX_BYTES: left in the mailbox, marked as read`,
          );
        };
        for (const uid of batch) {
          const listing = listed.get(uid);
          if (!listing) continue; // expunged meanwhile
          if ((listing.size ?? 0) > config.maxBytes) {
            await tooLarge(uid, listing.size);
            continue;
          }
          const fetched = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!fetched || !fetched.source) {
            if (!client.usable) throw failed(`fetching message UID ${uid}`);
            continue;
          }
          try {
            await inboundMail.accept(target, fetched.source, 'imap', { sender: listing.envelope?.from?.[0]?.address ?? null });
          } catch (error) {
            // Over the sender's hourly limit: left unseen, taken by a later poll.
            if (appErrorCode(error) === 'sender_rate_limited') continue;
            if (appErrorCode(error) === 'email_too_large') {
              await tooLarge(uid, listing.size);
              continue;
            }
            throw error;
          }
          await markSeen(uid);
          outcome.imported += 1;
        }
        return outcome;
      },
      (error) => job.log(`IMAP connection error: ${error.message}`),
    );
  }

  return {
    /**
     * A poll now, besides the chain (an inbox saved with an IMAP mailbox: its first poll, or the
     * first with new settings); call `wake` after the transaction commits.
     */
    pollNow: (tx: Tx, accountId: number, inboxId: number) =>
      queue.enqueue(
        tx,
        'email-imap-poll',
        { accountId, inboxId },
        { key: jobKey(accountId, inboxId, 'now', randomBytes(6).toString('hex')), maxAttempts: POLL_ATTEMPTS },
      ),

    wake: () => queue.wake(),

    async poll({ accountId, inboxId }: JobPayloads['email-imap-poll'], job: JobContext): Promise<JobResult> {
      const stored = await withTenant(db, { accountId }, async (tx) => {
        const [inbox] = await tx
          .select({ settings: inboxes.settings })
          .from(inboxes)
          .where(and(eq(inboxes.accountId, accountId), eq(inboxes.id, inboxId), eq(inboxes.channelType, 'email')));
        if (!inbox?.settings.imap) return undefined;
        await scheduleNext(tx, accountId, inboxId);
        return inbox.settings;
      });
      // Deleted, or no longer fetched: the chain ends (saving a mailbox again starts one).
      if (!stored) {
        job.log(`Inbox ${inboxId} has no IMAP mailbox: not polled any more`);
        return { polled: false };
      }

      let channel: EmailChannel | undefined;
      let outcome: FetchOutcome | undefined;
      let lastError: string | null = null;
      try {
        channel = openEmailSettings(stored, secretBox);
        outcome = await fetchNew({ accountId, inboxId }, channel.imap!, job);
      } catch (error) {
        if (error instanceof AppError) lastError = error.message;
        else if (channel?.imap) lastError = describeMailServerError(error, channel.imap).message;
        else lastError = String((error as Error).message ?? error);
        job.log(`IMAP fetch failed: ${lastError}`, { accountId, inboxId });
      }
      if (outcome?.notes.length) lastError = outcome.notes.join('; ');
      await recordState(accountId, inboxId, { lastFetchAt: new Date().toISOString(), lastError }, outcome?.more ? outcome.lastUid : undefined);
      if (outcome)
        job.log(`Fetched ${outcome.imported} new message${outcome.imported === 1 ? '' : 's'} over IMAP`, { accountId, inboxId, imported: outcome.imported });
      return { polled: true, imported: outcome?.imported ?? 0, error: lastError };
    },
  };
}

export type ImapFetcher = ReturnType<typeof createImapFetcher>;
