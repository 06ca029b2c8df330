/**
 * The public client API: customers (a website's visitors through the widget, a company's own app
 * through the API channel) as contacts of one inbox. The inbox is found by its public identifier
 * before its account is known (the `lookupInbox` scope), then everything runs in that account's
 * tenant transaction. A contact token opens only its own contact inbox's conversations; their
 * messages take the one path every customer message takes (the conversation service).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { contactInboxes, contacts, inboxes, messages } from '../../db/schema.js';
import { InvalidContactTokenError, type ContactTokens } from '../../platform/contact-tokens.js';
import { AppError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { macEquals } from '../../platform/hmac.js';
import { runAsApp, withTenant } from '../../platform/tenancy.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import type { StoredFile } from '../attachments/uploads.js';
import { messagePage, type MessagePageQuery } from '../conversations/conversations.repo.js';
import type { ConversationService } from '../conversations/conversations.service.js';
import { normaliseOrigin, readSettings, type ChannelSettings, type ChannelType, type WidgetSettings } from '../inboxes/channel-settings.js';
import { agentName, emailTaken, findContactInbox, selectContactConversations, type ContactInboxRow } from './public-api.repo.js';
import { toPublicConversation, toPublicMessage, type PublicContact, type PublicMessage } from './public-api.shapes.js';

/** An inbox as the public API knows it, found by its identifier. */
export interface PublicInbox {
  id: number;
  accountId: number;
  name: string;
  channelType: ChannelType;
  settings: ChannelSettings;
  secret: string;
}

/** The contact a valid token (and path) names. */
export interface ContactScope {
  accountId: number;
  inboxId: number;
  contactInboxId: number;
  contactId: number;
  sourceId: string;
  verified: boolean;
}

export interface NewContact {
  name?: string | undefined;
  email?: string | undefined;
  identifier?: string | undefined;
  identifierHash?: string | undefined;
}

const IDENTIFIER = /^[A-Za-z0-9_-]{1,64}$/;
const CONVERSATIONS_SHOWN = 100;

export class InboxNotFoundError extends AppError {
  constructor() {
    super(404, 'inbox_not_found', 'No inbox has this identifier');
  }
}

const identityRequired = () =>
  new AppError(401, 'identity_required', 'This inbox talks only to visitors whose identity the website signed: send identifier and identifierHash');

const widgetSettings = (inbox: Pick<PublicInbox, 'channelType' | 'settings'>) =>
  inbox.channelType === 'web_widget' ? (inbox.settings as WidgetSettings) : undefined;

/**
 * Whether a request may come from this Origin: without one (a server, the API channel) always;
 * from a browser only from the widget's allowed websites.
 */
export function originAllowed(inbox: Pick<PublicInbox, 'channelType' | 'settings'>, origin: string | undefined): boolean {
  if (origin === undefined) return true;
  const normalised = normaliseOrigin(origin);
  return normalised !== null && (widgetSettings(inbox)?.allowedOrigins ?? []).includes(normalised);
}

/** HMAC-SHA256(inbox secret, identifier) in hex, compared in constant time. */
export function identifierHashMatches(secret: string, identifier: string, hash: string): boolean {
  return macEquals(Buffer.from(hash, 'hex'), createHmac('sha256', secret).update(identifier).digest());
}

function presentContact(row: Pick<ContactInboxRow, 'sourceId' | 'name' | 'email' | 'attributes' | 'verified'>): PublicContact {
  const claimed = typeof row.attributes.unverifiedEmail === 'string' ? row.attributes.unverifiedEmail : null;
  return { identifier: row.sourceId, name: row.name, email: row.email ?? claimed, verified: row.verified };
}

export function createPublicApiService({
  db,
  conversations,
  tokens,
  attachments,
}: {
  db: AppDb;
  conversations: Pick<ConversationService, 'openFromChannel' | 'addMessage'>;
  tokens: ContactTokens;
  attachments: Pick<AttachmentService, 'present'>;
}) {
  const inTenant = <T>(scope: { accountId: number }, work: (tx: Tx) => Promise<T>) => withTenant(db, { accountId: scope.accountId }, work);

  /** The identifier the website vouched for, null when it vouched for none; a wrong or missing signature is refused. */
  function vouchedIdentifier(inbox: PublicInbox, input: NewContact): string | null {
    if (input.identifierHash !== undefined) {
      if (input.identifier === undefined)
        throw new UnprocessableError('invalid_identity', 'identifierHash goes with the identifier it signs', 'body.identifier');
      if (!identifierHashMatches(inbox.secret, input.identifier, input.identifierHash)) {
        throw new AppError(
          401,
          'invalid_identifier_hash',
          'identifierHash does not match identifier: compute HMAC-SHA256(inbox secret, identifier) on your server',
        );
      }
      return input.identifier;
    }
    if (widgetSettings(inbox)?.requireIdentity) throw identityRequired();
    return null;
  }

  /**
   * An e-mail is put on the contact only if no other contact of the account has it: a visitor
   * cannot take over (or even see) a customer by typing their address. Otherwise it is kept as
   * the visitor's claim, which agents see in the contact's attributes.
   */
  async function emailFields(tx: Tx, accountId: number, email: string | undefined, attributes: Record<string, unknown>, contactId?: number) {
    if (email === undefined) return {};
    const { unverifiedEmail: _, ...rest } = attributes;
    const address = email.trim();
    return (await emailTaken(tx, accountId, address, contactId)) ? { attributes: { ...rest, unverifiedEmail: address } } : { email: address, attributes: rest };
  }

  /** The account's contact with this (vouched-for) identifier, created when the company names them first. */
  async function identifiedContact(tx: Tx, accountId: number, identifier: string, input: NewContact) {
    const byIdentifier = and(eq(contacts.accountId, accountId), eq(contacts.identifier, identifier));
    const [existing] = await tx.select({ id: contacts.id, attributes: contacts.attributes }).from(contacts).where(byIdentifier);
    if (existing) {
      const fields = {
        ...(input.name ? { name: input.name.trim() } : {}),
        ...(await emailFields(tx, accountId, input.email, existing.attributes, existing.id)),
      };
      if (Object.keys(fields).length > 0)
        await tx
          .update(contacts)
          .set({ ...fields, updatedAt: new Date() })
          .where(byIdentifier);
      return existing.id;
    }
    await tx
      .insert(contacts)
      .values({ accountId, identifier, name: defaultName(input), ...(await emailFields(tx, accountId, input.email, {})) })
      .onConflictDoNothing({ target: [contacts.accountId, contacts.identifier] });
    const [created] = await tx.select({ id: contacts.id }).from(contacts).where(byIdentifier);
    return created!.id;
  }

  async function newContactInbox(tx: Tx, accountId: number, inboxId: number, contactId: number) {
    const [row] = await tx
      .insert(contactInboxes)
      .values({ accountId, inboxId, contactId, verified: false, sourceId: newSourceId() })
      .returning({ id: contactInboxes.id });
    return row!.id;
  }

  /**
   * The person's one verified contact inbox of this inbox (every browser of theirs shares it).
   * Two first sign-ins at once meet at the unique index: the later one waits for the first to
   * commit, inserts nothing, and reads the first one's row.
   */
  async function verifiedContactInbox(tx: Tx, accountId: number, inboxId: number, contactId: number) {
    const theirs = and(
      eq(contactInboxes.accountId, accountId),
      eq(contactInboxes.inboxId, inboxId),
      eq(contactInboxes.contactId, contactId),
      eq(contactInboxes.verified, true),
    );
    const [known] = await tx.select({ id: contactInboxes.id }).from(contactInboxes).where(theirs);
    if (known) return known.id;
    await tx
      .insert(contactInboxes)
      .values({ accountId, inboxId, contactId, verified: true, sourceId: newSourceId() })
      .onConflictDoNothing({ target: [contactInboxes.accountId, contactInboxes.inboxId, contactInboxes.contactId], where: sql`verified` });
    const [row] = await tx.select({ id: contactInboxes.id }).from(contactInboxes).where(theirs);
    return row!.id;
  }

  /** The conversation, if it is this contact's; a conversation of anyone else is not found. */
  async function ownConversation(tx: Tx, scope: ContactScope, id: number) {
    const [row] = await selectContactConversations(tx, scope.accountId, scope.contactInboxId, { id, limit: 1 });
    if (!row) throw new NotFoundError('Conversation');
    return row;
  }

  return {
    async findInbox(identifier: string): Promise<PublicInbox> {
      if (!IDENTIFIER.test(identifier)) throw new InboxNotFoundError();
      const [row] = await runAsApp(db, { lookupInbox: identifier }, (tx) =>
        tx
          .select({
            id: inboxes.id,
            accountId: inboxes.accountId,
            name: inboxes.name,
            channelType: inboxes.channelType,
            settings: inboxes.settings,
            secret: inboxes.secret,
          })
          .from(inboxes)
          .where(eq(inboxes.identifier, identifier)),
      );
      // An e-mail inbox's customers are who their mail says they are: a visitor of the public API
      // could otherwise open a conversation as any address, and the agent's reply would be mailed there.
      if (!row || row.channelType === 'email') throw new InboxNotFoundError();
      return { ...row, settings: readSettings(row.channelType, row.settings) };
    },

    /**
     * A new contact of the inbox and its token. With a valid identifierHash the contact is the
     * account's person with that identifier (every browser of theirs sees the same
     * conversations); without one it is a new, anonymous visitor, whatever identifier it claims.
     */
    async createContact(inbox: PublicInbox, input: NewContact) {
      const identifier = vouchedIdentifier(inbox, input);
      const row = await inTenant(inbox, async (tx) => {
        let contactInboxId: number | undefined;
        if (identifier !== null) {
          const contactId = await identifiedContact(tx, inbox.accountId, identifier, input);
          contactInboxId = await verifiedContactInbox(tx, inbox.accountId, inbox.id, contactId);
        } else {
          // An identifier without its signature is only the visitor's claim: noted, never followed.
          const claims = input.identifier === undefined ? {} : { unverifiedIdentifier: input.identifier };
          const { attributes, ...email } = await emailFields(tx, inbox.accountId, input.email, claims);
          const [contact] = await tx
            .insert(contacts)
            .values({ accountId: inbox.accountId, name: defaultName(input), attributes: attributes ?? claims, ...email })
            .returning({ id: contacts.id });
          contactInboxId = await newContactInbox(tx, inbox.accountId, inbox.id, contact!.id);
        }
        return (await findContactInbox(tx, inbox.accountId, contactInboxId))!;
      });
      const token = tokens.sign({ accountId: inbox.accountId, inboxId: inbox.id, contactInboxId: row.id, sourceId: row.sourceId });
      return { contact: presentContact(row), token };
    },

    /**
     * The contact a token names, when the token is of this inbox and its contact still exists
     * (and, on an inbox that requires identities, was vouched for). A path naming another
     * contact than the token's is not found.
     */
    async authenticate(inbox: PublicInbox, token: string, contactIdentifier?: string): Promise<ContactScope> {
      const claims = tokens.verify(token);
      if (claims.inboxId !== inbox.id || claims.accountId !== inbox.accountId) throw new InvalidContactTokenError('The contact token is of another inbox');
      const row = await inTenant(inbox, (tx) => findContactInbox(tx, inbox.accountId, claims.contactInboxId));
      if (!row || row.inboxId !== inbox.id || row.sourceId !== claims.sourceId)
        throw new InvalidContactTokenError('The contact of this token no longer exists');
      if (widgetSettings(inbox)?.requireIdentity && !row.verified) throw identityRequired();
      if (contactIdentifier !== undefined && contactIdentifier !== row.sourceId) throw new NotFoundError('Contact');
      return {
        accountId: inbox.accountId,
        inboxId: inbox.id,
        contactInboxId: row.id,
        contactId: row.contactId,
        sourceId: row.sourceId,
        verified: row.verified,
      };
    },

    getContact: (scope: ContactScope) => inTenant(scope, async (tx) => presentContact((await findContactInbox(tx, scope.accountId, scope.contactInboxId))!)),

    /** Name and e-mail; the identifier a website vouched for is not the contact's to change. */
    updateContact: (scope: ContactScope, input: { name?: string | undefined; email?: string | undefined }) =>
      inTenant(scope, async (tx) => {
        const current = (await findContactInbox(tx, scope.accountId, scope.contactInboxId))!;
        const fields = {
          ...(input.name ? { name: input.name.trim() } : {}),
          ...(await emailFields(tx, scope.accountId, input.email, current.attributes, scope.contactId)),
        };
        await tx
          .update(contacts)
          .set({ ...fields, updatedAt: new Date() })
          .where(and(eq(contacts.accountId, scope.accountId), eq(contacts.id, scope.contactId)));
        return presentContact((await findContactInbox(tx, scope.accountId, scope.contactInboxId))!);
      }),

    listConversations: (scope: ContactScope) =>
      inTenant(scope, async (tx) => {
        const rows = await selectContactConversations(tx, scope.accountId, scope.contactInboxId, { limit: CONVERSATIONS_SHOWN });
        return rows.map((row) => toPublicConversation(row, row.agentName));
      }),

    getConversation: (scope: ContactScope, id: number) =>
      inTenant(scope, async (tx) => {
        const row = await ownConversation(tx, scope, id);
        return toPublicConversation(row, row.agentName);
      }),

    /** A conversation of this contact in this inbox, with its first message if given (classified, drafted, routed like any). */
    async openConversation(scope: ContactScope, message: { content: string } | undefined) {
      const opened = await conversations.openFromChannel(
        { accountId: scope.accountId },
        { inboxId: scope.inboxId, contactId: scope.contactId, contactInboxId: scope.contactInboxId, message },
      );
      // Nobody is assigned yet unless something did it in the same breath; ask only then.
      const { assigneeId } = opened.conversation;
      const agent = assigneeId === null ? null : await inTenant(scope, (tx) => agentName(tx, assigneeId));
      return { conversation: toPublicConversation(opened.conversation, agent), message: opened.message && toPublicMessage(opened.message) };
    },

    /** Messages the contact may see: never private notes, never activity lines. */
    listMessages: (scope: ContactScope, id: number, query: MessagePageQuery) =>
      inTenant(scope, async (tx) => {
        await ownConversation(tx, scope, id);
        const visible = [eq(messages.private, false), ne(messages.messageType, 'activity')];
        const page = await messagePage(tx, scope.accountId, id, query, (messageIds) => attachments.present(tx, scope.accountId, messageIds), visible);
        return { ...page, data: page.data.map((message) => toPublicMessage(message)!) };
      }),

    /**
     * The contact writes: the same door as every customer message (a resolved conversation
     * reopens), with the files attachments' `receive` stored, if any.
     */
    async addMessage(scope: ContactScope, id: number, content: string, files: StoredFile[] = []): Promise<PublicMessage> {
      await inTenant(scope, (tx) => ownConversation(tx, scope, id));
      const message = await conversations.addMessage({ accountId: scope.accountId }, id, { content, messageType: 'incoming', attachments: files });
      return toPublicMessage(message)!;
    },
  };
}

export type PublicApiService = ReturnType<typeof createPublicApiService>;

/** The public contact identifier: random, so it says nothing of the person. */
const newSourceId = () => randomBytes(18).toString('base64url');

function defaultName(input: NewContact) {
  return input.name?.trim() || input.email?.split('@')[0]?.trim() || 'Visitor';
}
