import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { conversations, inboxes, teams } from '../../db/schema.js';
import { maySeeSecrets, type CallerContext } from '../../platform/auth.js';
import { ConflictError, NotFoundError, postgresCode, UnprocessableError } from '../../platform/errors.js';
import { destinationUrlProblem, refusePrivateDestination, type OutboundPolicy } from '../../platform/outbound/http-client.js';
import type { SecretBox } from '../../platform/secret-box.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { ContactSockets } from '../../realtime/contact-sockets.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import type { ImapFetcher } from '../email/imap-fetcher.js';
import { mergeSettings, readSettings, type ChannelSettings, type ChannelType, type PresentedSettings } from './channel-settings.js';
import { forwardingAddress, presentEmailSettings } from './email-settings.js';

export type { ChannelType } from './channel-settings.js';

export interface InboxInput {
  name?: string | undefined;
  channelType?: ChannelType | undefined;
  defaultTeamId?: number | null | undefined;
  /** The fields given replace the stored ones; checked against the channel type. */
  settings?: Record<string, unknown> | undefined;
}

const inboxColumns = {
  id: inboxes.id,
  name: inboxes.name,
  channelType: inboxes.channelType,
  defaultTeamId: inboxes.defaultTeamId,
  identifier: inboxes.identifier,
  settings: inboxes.settings,
  secret: inboxes.secret,
  createdAt: inboxes.createdAt,
};

type InboxRow = Pick<typeof inboxes.$inferSelect, keyof typeof inboxColumns>;

/** A new identity-verification and callback-signing secret: 256 random bits. */
const newSecret = () => randomBytes(32).toString('hex');

/** An API inbox's callback URL may carry the receiver's own token in its query: agents do not see it. */
function withoutCallbackUrl(settings: ChannelSettings): ChannelSettings {
  if (!('callbackUrl' in settings)) return settings;
  const { callbackUrl: _hidden, ...rest } = settings;
  return rest;
}

/**
 * The inbox as the API shows it: its settings read with their defaults, the callback URL and the
 * mail servers (and an e-mail inbox's forwarding address at `inboundDomain`) to administrators
 * only (never a password), the secrets to an administrator's session only (never to an access token).
 */
function present(caller: CallerContext, { secret, settings, ...inbox }: InboxRow, inboundDomain: string | undefined) {
  const administrator = caller.role === 'administrator';
  let shown: PresentedSettings;
  if (inbox.channelType === 'email') {
    const forwarding = inboundDomain ? forwardingAddress(inbox.identifier, inboundDomain) : undefined;
    shown = presentEmailSettings(settings, { administrator, showSecret: maySeeSecrets(caller) }, forwarding);
  } else {
    const read = readSettings(inbox.channelType, settings) as PresentedSettings;
    shown = administrator ? read : (withoutCallbackUrl(read as ChannelSettings) as PresentedSettings);
  }
  return { ...inbox, settings: shown, ...(maySeeSecrets(caller) ? { secret } : {}) };
}

/**
 * Mail for an address goes to one inbox of an account (the unique index says so): a second claim
 * in the account is a 409. Another account's claim is no conflict, and so tells nothing of who
 * else uses an address (the SMTP listener takes mail for an address only one account claims).
 */
async function claimingAddress<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // The identifier is random: the address is the one unique value an inbox write can repeat.
    if (postgresCode(error) === '23505') throw new ConflictError('email_address_taken', 'Another inbox of this account already receives mail for this address');
    throw error;
  }
}

export function createInboxService({
  db,
  attachments,
  policy,
  contactSockets,
  secretBox,
  imapPolls,
  inboundDomain,
}: {
  db: AppDb;
  /** EMAIL_INBOUND_DOMAIN: e-mail inboxes show their forwarding address there to administrators; unset: none. */
  inboundDomain: string | undefined;
  /** An e-mail inbox saved with an IMAP mailbox is fetched at once (and from then on, every IMAP_POLL_INTERVAL_MS). */
  imapPolls: Pick<ImapFetcher, 'pollNow' | 'wake'>;
  /** Seals an e-mail inbox's passwords before they are stored. */
  secretBox: SecretBox;
  attachments: Pick<AttachmentService, 'conversationsWithFiles' | 'removeFilesOf'>;
  /** Where an API inbox's callback URL may lead (WEBHOOK_ALLOW_PRIVATE_NETWORKS), as a webhook's. */
  policy: OutboundPolicy;
  /** The inbox's contacts' open sockets end when it is deleted or its settings change (they were let in under the old ones). */
  contactSockets?: Pick<ContactSockets, 'endInbox'> | undefined;
}) {
  async function load(tx: Tx, ctx: TenantContext, id: number) {
    const [inbox] = await tx
      .select(inboxColumns)
      .from(inboxes)
      .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox;
  }

  const get = async (tx: Tx, ctx: CallerContext, id: number) => present(ctx, await load(tx, ctx, id), inboundDomain);

  /** A callback URL given in the settings is refused at once when it leads into a private network, like a webhook's URL (a malformed one is the settings' check's). */
  async function assertCallbackDestination(settings: unknown) {
    const url = (settings as { callbackUrl?: unknown } | null | undefined)?.callbackUrl;
    if (typeof url === 'string' && url !== '' && !destinationUrlProblem(url)) await refusePrivateDestination(url, policy, 'body.settings.callbackUrl');
  }

  /** The mailbox given in a write is fetched as soon as the write commits (its first poll, or the first with the new settings). */
  async function pollGivenMailbox(tx: Tx, ctx: TenantContext, id: number, channelType: ChannelType, settings: InboxInput['settings']) {
    if (channelType !== 'email' || settings?.imap === undefined || settings.imap === null) return false;
    await imapPolls.pollNow(tx, ctx.accountId, id);
    return true;
  }

  async function assertTeam(tx: Tx, ctx: TenantContext, teamId: number | null | undefined) {
    if (teamId == null) return;
    const found = await tx
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.accountId, ctx.accountId), eq(teams.id, teamId)));
    if (found.length === 0) throw new UnprocessableError('invalid_team', `No team ${teamId} in this account`);
  }

  return {
    list: (ctx: CallerContext) =>
      withTenant(db, ctx, async (tx) => {
        const rows = await tx.select(inboxColumns).from(inboxes).where(eq(inboxes.accountId, ctx.accountId)).orderBy(asc(inboxes.id));
        return rows.map((row) => present(ctx, row, inboundDomain));
      }),

    get: (ctx: CallerContext, id: number) => withTenant(db, ctx, (tx) => get(tx, ctx, id)),

    create: async (ctx: CallerContext, input: InboxInput & { name: string }) => {
      await assertCallbackDestination(input.settings);
      let polls = false;
      const created = await claimingAddress(() =>
        withTenant(db, ctx, async (tx) => {
          await assertTeam(tx, ctx, input.defaultTeamId);
          const channelType = input.channelType ?? 'api';
          const [created] = await tx
            .insert(inboxes)
            .values({
              accountId: ctx.accountId,
              name: input.name.trim(),
              channelType,
              defaultTeamId: input.defaultTeamId ?? null,
              settings: mergeSettings(channelType, input.settings, {}, secretBox),
              secret: newSecret(),
            })
            .returning({ id: inboxes.id });
          polls = await pollGivenMailbox(tx, ctx, created!.id, channelType, input.settings);
          return get(tx, ctx, created!.id);
        }),
      );
      if (polls) imapPolls.wake();
      return created;
    },

    async update(ctx: CallerContext, id: number, input: InboxInput) {
      await assertCallbackDestination(input.settings);
      const updated = await claimingAddress(() =>
        withTenant(db, ctx, async (tx) => {
          const current = await load(tx, ctx, id);
          await assertTeam(tx, ctx, input.defaultTeamId);
          const channelType = input.channelType ?? current.channelType;
          // Another channel starts from its own defaults; the same channel keeps what it has.
          const changesSettings = input.settings !== undefined || channelType !== current.channelType;
          await tx
            .update(inboxes)
            .set({
              ...(input.name !== undefined ? { name: input.name.trim() } : {}),
              ...(input.channelType !== undefined ? { channelType: input.channelType } : {}),
              ...(input.defaultTeamId !== undefined ? { defaultTeamId: input.defaultTeamId } : {}),
              ...(changesSettings
                ? { settings: mergeSettings(channelType, input.settings, channelType === current.channelType ? current.settings : {}, secretBox) }
                : {}),
              updatedAt: new Date(),
            })
            .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
          const polls = await pollGivenMailbox(tx, ctx, id, channelType, input.settings);
          return { inbox: await get(tx, ctx, id), changesSettings, polls };
        }),
      );
      if (updated.polls) imapPolls.wake();
      if (updated.changesSettings) contactSockets?.endInbox(id);
      return updated.inbox;
    },

    /**
     * A new secret: identities signed with the old one stop verifying (the website must sign with
     * the new one) and callbacks are signed with the new one from now on.
     */
    rotateSecret: (ctx: CallerContext, id: number) =>
      withTenant(db, ctx, async (tx) => {
        await load(tx, ctx, id);
        await tx
          .update(inboxes)
          .set({ secret: newSecret(), updatedAt: new Date() })
          .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
        return get(tx, ctx, id);
      }),

    /** Deletes the inbox with its conversations (and the files sent in them), as Chatwoot does. */
    async remove(ctx: TenantContext, id: number) {
      const withFiles = await withTenant(db, ctx, async (tx) => {
        await load(tx, ctx, id);
        const ids = await attachments.conversationsWithFiles(tx, ctx.accountId, eq(conversations.inboxId, id));
        await tx.delete(inboxes).where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, id)));
        return ids;
      });
      contactSockets?.endInbox(id);
      await attachments.removeFilesOf(ctx.accountId, withFiles);
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
