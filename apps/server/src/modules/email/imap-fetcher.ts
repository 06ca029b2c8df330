/**
 * Fetching an e-mail inbox's IMAP mailbox (the `email-imap-poll` job): every unseen message, in
 * UID order and a bounded batch at a time, is handed to inboundMail.accept and only then flagged
 * \Seen. A message whose sender is over its hourly limit is left unseen for a later poll and the
 * poll goes on to newer ones (that sender's other messages are not even downloaded), so a flood
 * at the front of the mailbox never holds back the mail behind it. A poll starts no new message
 * after EMAIL_TIMEOUT_MS and no session outlives IMAP_SESSION_LIMIT_MS (mail-servers.ts), well
 * within the 60 s a worker holds the job; one that stops early is continued by the next poll, at
 * once, from where it stopped. A crash (or a dropped connection) between the two leaves the message unseen: the next
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

/** Messages one poll downloads at most; more waiting: the next poll runs at once. */
export const IMAP_BATCH = 50;
/** Unseen messages whose envelopes are listed at a time (cheap: no bodies). */
const LIST_PAGE = 200;
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
  /** Senders over their hourly limit: their messages are left unseen for a later poll. */
  deferred: number;
  /** What the administrators should know though the poll worked (a message too large to take). */
  notes: string[];
  /** The poll ran out of time or room after this UID, with unseen messages beyond it. */
  stoppedAfter: number | undefined;
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
          { accountId, inboxId, afterUid: continueAfter },
          { key: jobKey(accountId, inboxId, 'after', continueAfter), maxAttempts: POLL_ATTEMPTS },
        );
      }
    });
    if (continueAfter !== undefined) queue.wake();
  }

  function fetchNew(
    target: { accountId: number; inboxId: number },
    mailbox: NonNullable<EmailChannel['imap']>,
    afterUid: number | undefined,
    job: JobContext,
  ): Promise<FetchOutcome> {
    const startsNoMessageAfter = Date.now() + config.timeoutMs;
    return inImapMailbox(
      mailbox,
      config,
      async (client) => {
        // imapflow answers false, not an error, when a command fails (the connection lost among others).
        const failed = (what: string) =>
          new MailServerError('connect', `${mailbox.host}:${mailbox.port} ${client.usable ? 'refused' : 'closed the connection'} while ${what}`);
        // `n:*` also matches the highest UID when it is below n (RFC 9051): filtered again below.
        const found = await client.search({ seen: false, ...(afterUid ? { uid: `${afterUid + 1}:*` } : {}) }, { uid: true });
        if (!found) throw failed('listing the unseen messages');
        const unseen = found.filter((uid) => uid > (afterUid ?? 0)).sort((a, b) => a - b);
        const outcome: FetchOutcome = { imported: 0, deferred: 0, notes: [], stoppedAfter: undefined };
        /** Senders refused for now in this poll: their further messages are not downloaded. */
        const overLimit = new Set<string>();
        let downloads = 0;

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

        for (let from = 0; from < unseen.length; from += LIST_PAGE) {
          const page = unseen.slice(from, from + LIST_PAGE);
          const listed = new Map<number, FetchMessageObject>();
          for await (const message of client.fetch(page.join(','), { uid: true, size: true, envelope: true }, { uid: true })) listed.set(message.uid, message);
          for (const uid of page) {
            // At least one message a poll, so a slow one still moves on.
            if (downloads >= IMAP_BATCH || (downloads > 0 && Date.now() >= startsNoMessageAfter)) {
              outcome.stoppedAfter = uid - 1;
              return outcome;
            }
            const listing = listed.get(uid);
            if (!listing) continue; // expunged meanwhile
            const sender = listing.envelope?.from?.[0]?.address?.toLowerCase() ?? null;
            if (sender && overLimit.has(sender)) {
              outcome.deferred += 1;
              continue;
            }
            if ((listing.size ?? 0) > config.maxBytes) {
              await tooLarge(uid, listing.size);
              continue;
            }
            downloads += 1;
            const fetched = await client.fetchOne(String(uid), { source: true }, { uid: true });
            if (!fetched || !fetched.source) {
              if (!client.usable) throw failed(`fetching message UID ${uid}`);
              continue;
            }
            try {
              await inboundMail.accept(target, fetched.source, 'imap', { sender });
            } catch (error) {
              // Over the sender's hourly limit: left unseen, taken by a later poll.
              if (appErrorCode(error) === 'sender_rate_limited') {
                if (sender) overLimit.add(sender);
                outcome.deferred += 1;
                continue;
              }
              if (appErrorCode(error) === 'email_too_large') {
                await tooLarge(uid, listing.size);
                continue;
              }
              throw error;
            }
            await markSeen(uid);
            outcome.imported += 1;
          }
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

    async poll({ accountId, inboxId, afterUid }: JobPayloads['email-imap-poll'], job: JobContext): Promise<JobResult> {
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
        outcome = await fetchNew({ accountId, inboxId }, channel.imap!, afterUid, job);
      } catch (error) {
        if (error instanceof AppError) lastError = error.message;
        else if (channel?.imap) lastError = describeMailServerError(error, channel.imap).message;
        else lastError = String((error as Error).message ?? error);
        job.log(`IMAP fetch failed: ${lastError}`, { accountId, inboxId });
      }
      if (outcome?.notes.length) lastError = outcome.notes.join('; ');
      await recordState(accountId, inboxId, { lastFetchAt: new Date().toISOString(), lastError }, outcome?.stoppedAfter);
      if (outcome)
        job.log(`Fetched ${outcome.imported} new message${outcome.imported === 1 ? '' : 's'} over IMAP`, {
          accountId,
          inboxId,
          imported: outcome.imported,
          deferred: outcome.deferred,
        });
      return {
        polled: true,
        imported: outcome?.imported ?? 0,
        deferred: outcome?.deferred ?? 0,
        stoppedAfter: outcome?.stoppedAfter ?? null,
        error: lastError,
      };
    },
  };
}

export type ImapFetcher = ReturnType<typeof createImapFetcher>;
