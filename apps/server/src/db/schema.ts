/**
 * The helpdesk's data model. Every table that holds an account's data has `account_id`;
 * row-level security on it is declared in the `tenant_isolation` migration (drizzle-kit
 * cannot express FORCE ROW LEVEL SECURITY). References between an account's rows are
 * composite (`account_id`, id) foreign keys, so the database itself refuses a row that
 * points into another account, even though foreign-key checks bypass RLS.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** What an e-mail message keeps besides its text (conversations.schema.ts describes each field). */
export interface EmailDetails {
  subject: string | null;
  from: { address: string; name: string | null } | null;
  to: string[];
  cc: string[];
  /** The HTML part, sanitised on the server (scripts, handlers and remote content removed). */
  html: string | null;
  /** The whole text part, with the quoted history and signature that `content` leaves out. */
  fullText: string | null;
  inReplyTo: string | null;
  references: string[];
  /** An automatic message (auto-reply, bulk, list): it never gets an automatic answer. */
  automated: boolean;
  /** The receiving server's SPF/DKIM/DMARC verdict (`Authentication-Results`), when given. */
  authentication: { spf: string | null; dkim: string | null; dmarc: string | null; failed: boolean } | null;
  /** Attachments beyond the per-message limit that were not kept. */
  attachmentsDropped?: number;
}

const createdAt = () => timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow();

export const accountRole = pgEnum('account_role', ['administrator', 'agent']);
export const conversationStatus = pgEnum('conversation_status', ['open', 'pending', 'resolved', 'snoozed']);
export const conversationPriority = pgEnum('conversation_priority', ['urgent', 'high', 'medium', 'low', 'none']);
export const messageType = pgEnum('message_type', ['incoming', 'outgoing', 'activity']);
export const channelType = pgEnum('channel_type', ['api', 'web_widget', 'email']);
export const articleStatus = pgEnum('article_status', ['draft', 'published']);
export const jobState = pgEnum('job_state', ['waiting', 'active', 'completed', 'failed']);
export const sentiment = pgEnum('sentiment', ['positive', 'neutral', 'negative', 'frustrated', 'angry']);
export const exampleSource = pgEnum('example_source', ['taxonomy', 'correction']);
export const trainingStatus = pgEnum('training_status', ['idle', 'training', 'ready', 'failed']);
export const embeddingStatus = pgEnum('embedding_status', ['pending', 'ready', 'failed']);
export const importStatus = pgEnum('import_status', ['queued', 'running', 'completed', 'failed']);
export const draftOutcome = pgEnum('draft_outcome', ['proposed', 'accepted', 'edited', 'discarded']);
export const accessTokenScope = pgEnum('access_token_scope', ['read', 'write']);
export const deliveryStatus = pgEnum('delivery_status', ['pending', 'delivered', 'failed']);
/** Where a reply sent through a channel (e-mail) stands: handed to the sending job, accepted by the relay, given up. */
export const messageDeliveryStatus = pgEnum('message_delivery_status', ['queued', 'sent', 'failed']);

/** pgvector's `vector` without a fixed dimension (each row's model decides it). */
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => `[${value.join(',')}]`,
  fromDriver: (value) => JSON.parse(value) as number[],
});

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** The text-search configurations message search stems with: en, fi, sv, de, fr, es. */
export const searchConfigs = ['english', 'finnish', 'swedish', 'german', 'french', 'spanish'] as const;
/** Message ids per search bucket: at 10% of new messages, an account gets about 6,500 per bucket. */
export const SEARCH_BUCKET_SIZE = 65_536;

/** Raw bytes (node-postgres reads them as a Buffer, PGlite as a Uint8Array). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

export const accounts = pgTable('accounts', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull(),
  /** Only the demo account has one ('demo'): the public demo endpoint finds it by it. */
  slug: text('slug').unique(),
  /** Source of the per-account conversation display numbers (#1, #2, ...). */
  lastDisplayId: integer('last_display_id').notNull().default(0),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** Null until an invited agent accepts the invitation and chooses a password. */
    passwordHash: text('password_hash'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`)],
);

export const accountUsers = pgTable(
  'account_users',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: accountRole('role').notNull().default('agent'),
    invitedBy: integer('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index('account_users_user_idx').on(t.userId)],
);

/**
 * An invitation to join an account. Nobody becomes a member without accepting one: an
 * administrator names an e-mail, the person accepts with the link's token (choosing a password
 * if the e-mail has no login yet, or with their own login if it has). Only the token's SHA-256
 * is stored; the token is shown once, to the administrator who sends it.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: accountRole('role').notNull().default('agent'),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: integer('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, precision: 3 }),
    acceptedBy: integer('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [
    // One pending invitation per person and account: inviting again replaces it.
    uniqueIndex('invitations_pending_email_key')
      .on(t.accountId, sql`lower(${t.email})`)
      .where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
  ],
);

/**
 * A signed-in session: every token names one (its `sid`), and a request is served only while
 * its session is neither revoked nor expired, so logging out, a password change or an
 * administrator's decision ends a token at once instead of when it expires.
 */
export const userSessions = pgTable(
  'user_sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    userAgent: text('user_agent').notNull().default(''),
    ip: text('ip').notNull().default(''),
  },
  (t) => [index('user_sessions_user_idx').on(t.userId)],
);

export const teams = pgTable(
  'teams',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Whether the AI router may assign this team's conversations to its members. */
    allowAutoAssign: boolean('allow_auto_assign').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('teams_account_id_id_key').on(t.accountId, t.id), uniqueIndex('teams_account_name_key').on(t.accountId, sql`lower(${t.name})`)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    accountId: integer('account_id').notNull(),
    teamId: integer('team_id').notNull(),
    userId: integer('user_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId] }),
    index('team_members_account_user_idx').on(t.accountId, t.userId),
    foreignKey({ columns: [t.accountId, t.teamId], foreignColumns: [teams.accountId, teams.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.userId], foreignColumns: [accountUsers.accountId, accountUsers.userId] }).onDelete('cascade'),
  ],
);

export const inboxes = pgTable(
  'inboxes',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    channelType: channelType('channel_type').notNull().default('api'),
    /** Team that new conversations of this inbox go to before AI routing, if any. */
    defaultTeamId: integer('default_team_id'),
    /**
     * The inbox's public name: the widget and the public client API find the inbox by it. Random
     * and unguessable, unlike the numeric id, and never reused.
     */
    identifier: text('identifier')
      .notNull()
      .unique()
      .default(sql`replace(gen_random_uuid()::text, '-', '')`),
    /** The channel's settings (widget colour, greeting, allowed origins; the API channel's callback URL). */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /**
     * Signs what HummDesk sends for the inbox (API channel callbacks) and verifies the identities
     * a website vouches for (`identifierHash`). Shown to administrators only.
     */
    secret: text('secret')
      .notNull()
      .default(sql`replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('inboxes_account_id_id_key').on(t.accountId, t.id),
    foreignKey({ columns: [t.accountId, t.defaultTeamId], foreignColumns: [teams.accountId, teams.id] }),
    // Mail for an address goes to one inbox of an account. Any account may type any address, so
    // another account's claim is no reason to refuse one (nor to tell who uses it): the SMTP
    // listener takes mail for an address only one account claims (modules/email/smtp-listener.ts).
    // The address first: the listener looks it up before the account is known.
    uniqueIndex('inboxes_email_address_account_key')
      .on(sql`lower(${t.settings}->>'address')`, t.accountId)
      .where(sql`${t.channelType} = 'email'`),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    email: text('email'),
    phone: text('phone'),
    /** Free attributes an integration keeps on the contact (plan, VIP, external id, ...). */
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    /** The company's own id for this person (a signed-in user of its website or app), if it gave one. */
    identifier: text('identifier'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('contacts_account_id_id_key').on(t.accountId, t.id),
    uniqueIndex('contacts_account_identifier_key').on(t.accountId, t.identifier),
    uniqueIndex('contacts_account_email_key').on(t.accountId, sql`lower(${t.email})`),
    index('contacts_account_created_idx').on(t.accountId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

/**
 * A contact as one channel knows them: a browser's widget visitor or an API-channel user. Its
 * `source_id` is the contact identifier of the public client API (random, unguessable); the
 * contact token names it, and opens only this contact's conversations in this inbox.
 */
export const contactInboxes = pgTable(
  'contact_inboxes',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    contactId: integer('contact_id').notNull(),
    inboxId: integer('inbox_id').notNull(),
    sourceId: text('source_id').notNull(),
    /** The website vouched for the contact's identity with an identifierHash. */
    verified: boolean('verified').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    unique('contact_inboxes_account_id_id_key').on(t.accountId, t.id),
    uniqueIndex('contact_inboxes_inbox_source_key').on(t.inboxId, t.sourceId),
    // One verified contact inbox per person and inbox: concurrent first sign-ins share one history.
    uniqueIndex('contact_inboxes_verified_key')
      .on(t.accountId, t.inboxId, t.contactId)
      .where(sql`${t.verified}`),
    index('contact_inboxes_contact_idx').on(t.accountId, t.contactId),
    foreignKey({ columns: [t.accountId, t.contactId], foreignColumns: [contacts.accountId, contacts.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.inboxId], foreignColumns: [inboxes.accountId, inboxes.id] }).onDelete('cascade'),
  ],
);

export const labels = pgTable(
  'labels',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    color: text('color').notNull().default('#1f93ff'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('labels_account_title_key').on(t.accountId, sql`lower(${t.title})`)],
);

export const conversations = pgTable(
  'conversations',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The number agents see (#42), counted per account. */
    displayId: integer('display_id').notNull(),
    inboxId: integer('inbox_id').notNull(),
    contactId: integer('contact_id').notNull(),
    /** The channel identity the customer writes from (widget visitor, API-channel user); null for agent-started ones. */
    contactInboxId: integer('contact_inbox_id'),
    status: conversationStatus('status').notNull().default('open'),
    priority: conversationPriority('priority').notNull().default('none'),
    assigneeId: integer('assignee_id'),
    teamId: integer('team_id'),
    /** Category given by AI triage (or corrected by an agent); null until classified. */
    category: text('category'),
    /** Sentiment of the latest AI classification (or an agent's correction of it); null until classified. */
    sentiment: sentiment('sentiment'),
    /** Label titles; kept on the row so the inbox filters by label with one GIN lookup. */
    labels: text('labels')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    snoozedUntil: timestamp('snoozed_until', { withTimezone: true, precision: 3 }),
    firstReplyAt: timestamp('first_reply_at', { withTimezone: true, precision: 3 }),
    /** When it was last resolved; null while it is not resolved (reports measure resolution time from it). */
    resolvedAt: timestamp('resolved_at', { withTimezone: true, precision: 3 }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('conversations_account_id_id_key').on(t.accountId, t.id),
    unique('conversations_account_display_id_key').on(t.accountId, t.displayId),
    // The inbox list: newest activity first, by status, and the views agents use most.
    index('conversations_inbox_list_idx').on(t.accountId, t.status, t.lastActivityAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('conversations_activity_idx').on(t.accountId, t.lastActivityAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('conversations_assignee_idx').on(t.accountId, t.assigneeId, t.status, t.lastActivityAt.desc().nullsFirst()),
    index('conversations_team_idx').on(t.accountId, t.teamId, t.status, t.lastActivityAt.desc().nullsFirst()),
    index('conversations_inbox_idx').on(t.accountId, t.inboxId, t.lastActivityAt.desc().nullsFirst()),
    index('conversations_contact_idx').on(t.accountId, t.contactId),
    index('conversations_labels_idx').using('gin', t.labels),
    foreignKey({ columns: [t.accountId, t.inboxId], foreignColumns: [inboxes.accountId, inboxes.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.contactId], foreignColumns: [contacts.accountId, contacts.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.contactInboxId], foreignColumns: [contactInboxes.accountId, contactInboxes.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.assigneeId], foreignColumns: [accountUsers.accountId, accountUsers.userId] }),
    foreignKey({ columns: [t.accountId, t.teamId], foreignColumns: [teams.accountId, teams.id] }),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: integer('conversation_id').notNull(),
    messageType: messageType('message_type').notNull(),
    /** A private note: visible to agents only, never sent to the customer. */
    private: boolean('private').notNull().default(false),
    content: text('content').notNull(),
    senderContactId: integer('sender_contact_id'),
    senderUserId: integer('sender_user_id').references(() => users.id, { onDelete: 'set null' }),
    /**
     * The message's id in its channel: an e-mail's `Message-ID` (the customer's, or the one
     * HummDesk gave its reply). One per account: a mail delivered twice is stored once, and a
     * reply threads by it.
     */
    sourceId: text('source_id'),
    /** An e-mail's envelope and parts (subject, addresses, sanitised HTML, the text before quotes were stripped). */
    email: jsonb('email').$type<EmailDetails>(),
    /** A reply sent through a channel: how its sending stands (null: nothing to send). */
    deliveryStatus: messageDeliveryStatus('delivery_status'),
    /** Why the sending failed (the relay's answer), when it did. */
    deliveryError: text('delivery_error'),
    createdAt: createdAt(),
    /**
     * The words message search finds (modules/search): the text stemmed in each of the six
     * languages HummDesk supports, merged, so an inflected form matches whatever language the
     * message and the search are in without detecting either. Activity lines are not searched.
     * Only the first 20,000 characters: a tsvector holds at most 1 MB, and an insert must not fail.
     */
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql.raw(
        `case when message_type = 'activity' then null else ${searchConfigs.map((config) => `to_tsvector('${config}'::regconfig, left(content, 20000))`).join(' || ')} end`,
      ),
    ),
    /** Which run of SEARCH_BUCKET_SIZE message ids the message is in: search reads the newest runs first. */
    searchBucket: integer('search_bucket')
      .notNull()
      .generatedAlwaysAs(sql.raw(`(id / ${SEARCH_BUCKET_SIZE})::integer`)),
  },
  (t) => [
    unique('messages_account_id_id_key').on(t.accountId, t.id),
    // One GIN over (account, id run, words) (btree_gin): a search reads only its account's
    // entries, one run of ids at a time, newest first, until it has enough matches.
    index('messages_search_idx')
      .using('gin', t.accountId, t.searchBucket, t.searchVector)
      .where(sql`message_type <> 'activity'`),
    uniqueIndex('messages_account_source_id_key')
      .on(t.accountId, t.sourceId)
      .where(sql`${t.sourceId} is not null`),
    index('messages_conversation_created_idx').on(t.conversationId, t.createdAt, t.id),
    foreignKey({
      columns: [t.accountId, t.conversationId],
      foreignColumns: [conversations.accountId, conversations.id],
    }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.senderContactId], foreignColumns: [contacts.accountId, contacts.id] }).onDelete('cascade'),
  ],
);

/**
 * A file sent with a message. The bytes live in attachment storage under `storage_key`; the
 * content type is what the bytes are (sniffed), not what the name or the uploader claims.
 */
export const attachments = pgTable(
  'attachments',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: integer('conversation_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    storageKey: text('storage_key').notNull().unique(),
    createdAt: createdAt(),
  },
  (t) => [
    index('attachments_message_idx').on(t.accountId, t.messageId),
    foreignKey({ columns: [t.accountId, t.conversationId], foreignColumns: [conversations.accountId, conversations.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.messageId], foreignColumns: [messages.accountId, messages.id] }).onDelete('cascade'),
  ],
);

/**
 * A long-lived credential an administrator makes for an integration. Only the SHA-256 of the
 * token is kept; `hint` (its last characters) tells tokens apart in the list.
 */
export const accessTokens = pgTable(
  'access_tokens',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scope: accessTokenScope('scope').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    hint: text('hint').notNull(),
    /** The administrator who made it: the token acts as them, and goes when they leave the account. */
    createdBy: integer('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [index('access_tokens_account_idx').on(t.accountId, t.createdAt)],
);

/** An account's subscription of a URL to events. Deliveries are signed with `secret`. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    secret: text('secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Why HummDesk turned it off (410 Gone, days of failures); null when enabled or turned off by hand. */
    disabledReason: text('disabled_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('webhooks_account_id_id_key').on(t.accountId, t.id)],
);

/**
 * One event sent to one receiver: a webhook's subscriber or an API inbox's callback URL. Its id
 * is the delivery id the receiver sees; retries and redeliveries send the same id and body.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    webhookId: integer('webhook_id'),
    inboxId: integer('inbox_id'),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: deliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    responseStatus: integer('response_status'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    createdAt: createdAt(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, precision: 3 }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('webhook_deliveries_webhook_idx').on(t.accountId, t.webhookId, t.createdAt.desc().nullsFirst()),
    index('webhook_deliveries_inbox_idx').on(t.accountId, t.inboxId, t.createdAt.desc().nullsFirst()),
    foreignKey({ columns: [t.accountId, t.webhookId], foreignColumns: [webhooks.accountId, webhooks.id] }).onDelete('cascade'),
    foreignKey({ columns: [t.accountId, t.inboxId], foreignColumns: [inboxes.accountId, inboxes.id] }).onDelete('cascade'),
    check('webhook_deliveries_one_receiver', sql`(${t.webhookId} is null) <> (${t.inboxId} is null)`),
  ],
);

export const knowledgeBaseArticles = pgTable(
  'knowledge_base_articles',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    category: text('category'),
    status: articleStatus('status').notNull().default('published'),
    authorId: integer('author_id').references(() => users.id, { onDelete: 'set null' }),
    /** Whether the article's chunks have vectors of the account's embedding model yet. */
    embeddingStatus: embeddingStatus('embedding_status').notNull().default('pending'),
    embeddingError: text('embedding_error'),
    /**
     * The words of its title and section headings, written with its chunks (articles.repo.ts):
     * search weighs what an article is about by them without reading all its passages.
     */
    titleVector: tsvector('title_vector')
      .notNull()
      .default(sql`''::tsvector`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('knowledge_base_articles_account_updated_idx').on(t.accountId, t.updatedAt.desc().nullsFirst()),
    unique('knowledge_base_articles_account_id_id_key').on(t.accountId, t.id),
    uniqueIndex('knowledge_base_articles_account_title_key').on(t.accountId, sql`lower(${t.title})`),
  ],
);

/**
 * An article split into passages sized for the embedding model; what search and drafts
 * retrieve. `search_vector` serves the full-text half of hybrid search (exact terms: order
 * numbers, product names, error codes).
 */
export const knowledgeBaseChunks = pgTable(
  'knowledge_base_chunks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    articleId: integer('article_id').notNull(),
    position: integer('position').notNull(),
    /** The section heading the passage sits under, if any. */
    heading: text('heading'),
    content: text('content').notNull(),
    searchVector: tsvector('search_vector')
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english', coalesce(heading, '') || ' ' || content)`),
  },
  (t) => [
    unique('knowledge_base_chunks_account_id_id_key').on(t.accountId, t.id),
    index('knowledge_base_chunks_article_idx').on(t.accountId, t.articleId, t.position),
    index('knowledge_base_chunks_search_idx').using('gin', t.searchVector),
    foreignKey({ columns: [t.accountId, t.articleId], foreignColumns: [knowledgeBaseArticles.accountId, knowledgeBaseArticles.id] }).onDelete('cascade'),
  ],
);

/**
 * One vector per chunk and embedding model. The column has no fixed dimension so that vectors
 * of the next model can be built beside the current ones (search keeps using the current ones
 * until the next are complete); each model gets its own HNSW index on
 * `(embedding::vector(<dimensions>))`, partial on its `model` (see knowledge-base/vector-index.ts).
 */
export const knowledgeBaseEmbeddings = pgTable(
  'knowledge_base_embeddings',
  {
    chunkId: bigint('chunk_id', { mode: 'number' }).notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    model: text('model').notNull(),
    embedding: anyVector('embedding').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.chunkId, t.model] }),
    index('knowledge_base_embeddings_account_idx').on(t.accountId, t.model),
    foreignKey({ columns: [t.accountId, t.chunkId], foreignColumns: [knowledgeBaseChunks.accountId, knowledgeBaseChunks.id] }).onDelete('cascade'),
  ],
);

/** Which embedding model an account's search uses, and the re-embedding towards the next one. */
export const knowledgeBaseIndexState = pgTable('knowledge_base_index_state', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  activeModel: text('active_model').notNull(),
  /** Set while every chunk is embedded with the next model; search stays on the active one. */
  buildingModel: text('building_model'),
  progress: integer('progress').notNull().default(0),
  total: integer('total').notNull().default(0),
  error: text('error'),
  updatedAt: updatedAt(),
});

/** A bulk import: the articles to write, and its progress as the job works through them. */
export const knowledgeBaseImports = pgTable(
  'knowledge_base_imports',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    status: importStatus('status').notNull().default('queued'),
    total: integer('total').notNull(),
    processed: integer('processed').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    errors: jsonb('errors').$type<{ title: string; error: string }[]>().notNull().default([]),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('knowledge_base_imports_account_idx').on(t.accountId, t.createdAt.desc().nullsFirst()),
    unique('knowledge_base_imports_account_id_id_key').on(t.accountId, t.id),
  ],
);

/**
 * The articles an import has still to write, one row each: the import job reads and deletes one
 * per transaction (with the article it writes), so no statement carries a whole import's content
 * and a resumed import goes on with what is left.
 */
export const knowledgeBaseImportItems = pgTable(
  'knowledge_base_import_items',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    importId: integer('import_id').notNull(),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    content: text('content').notNull(),
    category: text('category'),
    status: articleStatus('status').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.importId, t.position] }),
    foreignKey({ columns: [t.accountId, t.importId], foreignColumns: [knowledgeBaseImports.accountId, knowledgeBaseImports.id] }).onDelete('cascade'),
  ],
);

/**
 * Background jobs. In the embedded setup this table is the queue itself; with Redis it is the
 * outbox that BullMQ is fed from, written in the same transaction as the change that needs
 * the job, so neither a crash nor Redis being away loses one. `key` makes a job unique (one
 * classification per message). Workers see every account's jobs through the `queue_worker`
 * policy; an account sees its own.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    queue: text('queue').notNull(),
    key: text('key').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    state: jobState('state').notNull().default('waiting'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    runAt: timestamp('run_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** An active job whose lock has expired belongs to a worker that died: it runs again. */
    lockedUntil: timestamp('locked_until', { withTimezone: true, precision: 3 }),
    /** With BullMQ: when the job was handed to Redis (BullMQ runs it from there). */
    relayedAt: timestamp('relayed_at', { withTimezone: true, precision: 3 }),
    lastError: text('last_error'),
    result: jsonb('result'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    unique('jobs_queue_key_key').on(t.queue, t.key),
    index('jobs_due_idx').on(t.queue, t.state, t.runAt),
    index('jobs_account_idx').on(t.accountId, t.createdAt.desc().nullsFirst()),
  ],
);

/** The account's AI taxonomy: the categories its messages are sorted into. */
export const aiCategories = pgTable(
  'ai_categories',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** The team this category's conversations are routed to. */
    teamId: integer('team_id'),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ai_categories_account_name_key').on(t.accountId, sql`lower(${t.name})`),
    foreignKey({ columns: [t.accountId, t.teamId], foreignColumns: [teams.accountId, teams.id] }),
  ],
);

/** Labelled texts the account's model learns from: the taxonomy's examples and agents' corrections. */
export const aiExamples = pgTable(
  'ai_examples',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    category: text('category').notNull(),
    text: text('text').notNull(),
    source: exampleSource('source').notNull().default('taxonomy'),
    messageId: bigint('message_id', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [index('ai_examples_account_idx').on(t.accountId, t.category)],
);

/**
 * Vectors of the texts the account's model learned from, by the text's hash: a retraining embeds
 * only texts it has not seen. Keyed by the text, not the example row, because the taxonomy's
 * examples are written anew on every change and a text may move between categories.
 */
export const aiExampleEmbeddings = pgTable(
  'ai_example_embeddings',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The embedding model's id: another encoder embeds again. */
    model: text('model').notNull(),
    /** SHA-256 of the text as embedded. */
    textHash: bytea('text_hash').notNull(),
    /** Float32, little-endian. */
    embedding: bytea('embedding').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.model, t.textHash] })],
);

/** The account's trained category model (one row per account) and its training state. */
export const aiModels = pgTable('ai_models', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  status: trainingStatus('status').notNull().default('idle'),
  progress: integer('progress').notNull().default(0),
  /** Serialised CategoryModel of the last successful training; the one classification uses. */
  weights: text('weights'),
  exampleCount: integer('example_count').notNull().default(0),
  version: integer('version').notNull().default(0),
  error: text('error'),
  trainedAt: timestamp('trained_at', { withTimezone: true, precision: 3 }),
  updatedAt: updatedAt(),
});

/** One classification per customer message (the latest wins when a job runs again). */
export const messageClassifications = pgTable(
  'message_classifications',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: integer('conversation_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    category: text('category').notNull(),
    priority: conversationPriority('priority').notNull(),
    sentiment: sentiment('sentiment').notNull(),
    language: text('language').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    reasoning: text('reasoning').notNull(),
    suggestedTeamId: integer('suggested_team_id'),
    suggestedAgentId: integer('suggested_agent_id'),
    provider: text('provider').notNull(),
    processingMs: integer('processing_ms').notNull(),
    /** Set when an agent corrected it; the correction is also an ai_examples row. */
    correctedBy: integer('corrected_by'),
    correctedAt: timestamp('corrected_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('message_classifications_message_key').on(t.messageId),
    index('message_classifications_conversation_idx').on(t.accountId, t.conversationId, t.createdAt.desc().nullsFirst()),
    foreignKey({ columns: [t.accountId, t.conversationId], foreignColumns: [conversations.accountId, conversations.id] }).onDelete('cascade'),
  ],
);

/**
 * A reply draft for a customer message, grounded in the account's knowledge base, and what the
 * agent did with it. `sources` are the articles it was written from (checked to be among the
 * ones retrieved for it).
 */
export const aiDrafts = pgTable(
  'ai_drafts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: integer('conversation_id').notNull(),
    messageId: bigint('message_id', { mode: 'number' }).notNull(),
    content: text('content').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    reasoning: text('reasoning').notNull(),
    sources: jsonb('sources').$type<{ articleId: number; title: string; similarity: number }[]>().notNull(),
    provider: text('provider').notNull(),
    generationMs: integer('generation_ms').notNull(),
    outcome: draftOutcome('outcome').notNull().default('proposed'),
    /** For an edited draft: how much of it the agent changed (0 = nothing, 1 = everything). */
    editRatio: doublePrecision('edit_ratio'),
    sentMessageId: bigint('sent_message_id', { mode: 'number' }),
    decidedBy: integer('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    createdAt: createdAt(),
  },
  (t) => [
    index('ai_drafts_conversation_idx').on(t.accountId, t.conversationId, t.createdAt.desc().nullsFirst()),
    index('ai_drafts_outcome_idx').on(t.accountId, t.outcome, t.createdAt),
    foreignKey({ columns: [t.accountId, t.conversationId], foreignColumns: [conversations.accountId, conversations.id] }).onDelete('cascade'),
  ],
);
