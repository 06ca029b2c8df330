/**
 * The typed job registry: queue name → payload. Every payload carries the account the job
 * works for; the handler runs inside that account's tenant context.
 */
export interface JobPayloads {
  /** Reopens a snoozed conversation when its snooze ends (if it is still snoozed until then). */
  'conversation-snooze': { accountId: number; conversationId: number; until: string };
  /** Classifies one customer message (key: the message id, so each is classified once). */
  'ai-classification': { accountId: number; messageId: number };
  /** Retrains the account's category model from its taxonomy and corrections. */
  'ai-train': { accountId: number };
  /** Writes a reply draft for one customer message from the knowledge base. */
  'ai-draft': { accountId: number; messageId: number };
  /** Embeds the chunks that lack vectors (those of one article, when given). */
  'kb-embed': { accountId: number; articleId?: number };
  /** Embeds every chunk of the account with a new model, then switches its search to it. */
  'kb-reembed': { accountId: number; model: string };
  /** Writes the articles of a bulk import, with progress. */
  'kb-import': { accountId: number; importId: number };
  /** Sends one webhook delivery or API-channel callback (key: the delivery id; a redelivery adds to it). */
  'webhook-delivery': { accountId: number; deliveryId: string };
  /** Reads one received e-mail (raw MIME in storage under `storageKey`) into its inbox's conversations. */
  'email-inbound': {
    accountId: number;
    inboxId: number;
    storageKey: string;
    source: 'smtp' | 'imap' | 'webhook';
    /** Whose hourly count the mail adds to (the From address, else the envelope sender, else `<>`), lower-case. */
    sender: string;
    /** The envelope's recipients of this inbox (SMTP RCPT TO), when known: a plus-address among them names the conversation. */
    recipients?: string[];
  };
  /** Sends an agent's reply in an e-mail conversation through the inbox's SMTP relay (key: the message id). */
  'email-send': { accountId: number; messageId: number };
  /**
   * Fetches new mail from an e-mail inbox's IMAP mailbox, then schedules the next fetch; from
   * beyond `afterUid` when it goes on where a poll that ran out of time or room stopped.
   */
  'email-imap-poll': { accountId: number; inboxId: number; afterUid?: number };
}

export type QueueName = keyof JobPayloads;

/**
 * Every queue with how many of its jobs one process runs at once (unset: QUEUE_CONCURRENCY).
 * Keyed by every name of JobPayloads (a queue missing here does not compile), and the list of
 * queues is read from it.
 */
export const QUEUES: { [Q in QueueName]: { concurrency?: number } } = {
  'conversation-snooze': {},
  'ai-classification': {},
  // One model fit at a time per process: each runs in a thread of its own (model-fitting.ts).
  'ai-train': { concurrency: 1 },
  'ai-draft': {},
  'kb-embed': {},
  'kb-reembed': { concurrency: 1 },
  'kb-import': { concurrency: 1 },
  // Sending is waiting on receivers, not work: many at once cost the process little.
  'webhook-delivery': { concurrency: 32 },
  // Parsing runs in a thread of its own (modules/email/mail-parser.ts): a few at once.
  'email-inbound': { concurrency: 2 },
  // Like webhooks: waiting on relays, not work.
  'email-send': { concurrency: 16 },
  'email-imap-poll': { concurrency: 4 },
};

export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

export interface JobContext {
  /** The job's deterministic key, e.g. `42-1795691846000` (a snooze of conversation 42). */
  key: string;
  attempt: number;
  /** The job's last attempt is `attempt === maxAttempts`: a handler can leave its work visibly failed then. */
  maxAttempts: number;
  /**
   * A line for the queue monitor ("Classification complete: ..."), and for the process log with
   * `fields` as JSON fields of its own (accountId, category, duration, ...) for log queries.
   */
  log: JobLog;
}

/** A job's log, as handlers pass it on to the services they call. */
export type JobLog = (line: string, fields?: LogFields) => void;

export type LogFields = Record<string, string | number | boolean | null | Record<string, number>>;

/** What a handler reports; shown by the monitor and stored with the job. */
export type JobResult = Record<string, unknown> | undefined;

export type JobHandler<Q extends QueueName> = (payload: JobPayloads[Q], job: JobContext) => Promise<JobResult>;

/** One handler for every queue: a queue without one does not compile. */
export type JobHandlers = { [Q in QueueName]: JobHandler<Q> };

/**
 * A job key from its parts, joined with `-`: `jobKey(accountId, importId)` is `"4-17"`. Keys are
 * shown as they are by `GET /api/queue/jobs` and the monitor; `:` is best left out (BullMQ's own
 * separator, escaped by the relay).
 */
export const jobKey = (...parts: (string | number)[]): string => parts.join('-');

export interface EnqueueOptions {
  /** Deterministic id: enqueueing the same key twice makes one job. */
  key: string;
  /** Run no earlier than this. */
  runAt?: Date;
  maxAttempts?: number;
}

/** What the queue reports, for the monitor and the metrics. */
export type QueueEvent =
  | { type: 'added'; queue: QueueName; key: string }
  | { type: 'started'; queue: QueueName; key: string; attempt: number }
  | { type: 'log'; queue: QueueName; key: string; line: string; fields?: LogFields | undefined }
  | { type: 'completed'; queue: QueueName; key: string; durationMs: number; result: JobResult }
  | { type: 'failed'; queue: QueueName; key: string; durationMs: number; error: string; willRetry: boolean };

/**
 * Exponential backoff between attempts, alike on both backends: 1 s, 4 s, 16 s, ... (ten attempts
 * span about a day: the ninth retry comes some 24 hours after the first attempt).
 */
export const backoffMs = (attempt: number) => 1_000 * 4 ** (attempt - 1);

/** How long a job waits after its `attempt`-th failed attempt. */
export type Backoff = (attempt: number) => number;
