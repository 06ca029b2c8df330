/**
 * "Test connection" for an e-mail inbox's SMTP relay and IMAP mailbox: the stored settings, or
 * the ones an administrator is about to save over them, tried for real (resolve, connect, TLS,
 * log in, open the folder) with what failed said in words. The stored password is only ever sent
 * to the stored host: a test against another host needs its password typed in, so the test
 * cannot carry a saved secret to a server of the tester's choosing.
 */
import { and, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Config } from '../../config.js';
import type { AppDb } from '../../db/client.js';
import { inboxes } from '../../db/schema.js';
import { NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { SecretBox } from '../../platform/secret-box.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import { isMailHost, type MailServer, type StoredEmailSettings } from '../inboxes/email-settings.js';
import { DEFAULT_MAIL_PORTS } from '../inboxes/mail-ports.js';
import { describeMailServerError, inImapMailbox, smtpTransportOptions, type MailServerStage } from './mail-servers.js';

export interface ConnectionTestInput {
  server: 'smtp' | 'imap';
  /** Fields over the stored ones (a form not yet saved). */
  settings?: { host?: string; port?: number; secure?: boolean; user?: string; password?: string; mailbox?: string } | undefined;
}

export type ConnectionTestResult = { ok: true } | { ok: false; stage: MailServerStage; message: string };

export function createConnectionTests({
  db,
  secretBox,
  config,
}: {
  db: AppDb;
  secretBox: SecretBox;
  config: Pick<Config['email'], 'allowPrivateNetworks' | 'timeoutMs' | 'maxBytes'>;
}) {
  /** The server to try: the stored one with the given fields over it, its password opened if it goes to the same host. */
  async function serverToTry(ctx: TenantContext, inboxId: number, { server, settings: given = {} }: ConnectionTestInput) {
    const [inbox] = await withTenant(db, ctx, (tx) =>
      tx
        .select({ channelType: inboxes.channelType, settings: inboxes.settings })
        .from(inboxes)
        .where(and(eq(inboxes.accountId, ctx.accountId), eq(inboxes.id, inboxId))),
    );
    if (!inbox) throw new NotFoundError('Inbox');
    if (inbox.channelType !== 'email') throw new UnprocessableError('not_email_inbox', 'Only e-mail inboxes have mail servers to test');
    const stored = (inbox.settings as Partial<StoredEmailSettings>)[server];
    const host = given.host?.trim().toLowerCase() ?? stored?.host;
    if (!host)
      throw new UnprocessableError(
        'invalid_settings',
        `settings.host is required: the inbox has no ${server.toUpperCase()} server saved`,
        'body.settings.host',
      );
    if (!isMailHost(host)) throw new UnprocessableError('invalid_settings', 'settings.host must be a host name or IP address', 'body.settings.host');
    const secure = given.secure ?? stored?.secure ?? false;
    let password = given.password;
    if (password === undefined && stored?.password !== undefined) {
      if (stored.host !== host) {
        throw new UnprocessableError(
          'password_required',
          `Enter the password to test ${host}: the saved one is only ever sent to ${stored.host}`,
          'body.settings.password',
        );
      }
      try {
        password = secretBox.open(stored.password);
      } catch {
        // Sealed under another key (HUMMDESK_ENCRYPTION_KEY changed): as good as none.
        return { target: undefined };
      }
    }
    const user = given.user ?? stored?.user;
    const target: MailServer & { mailbox: string } = {
      host,
      port: given.port ?? stored?.port ?? DEFAULT_MAIL_PORTS[server][secure ? 'tls' : 'plain'],
      secure,
      ...(user ? { user } : {}),
      ...(password !== undefined ? { password } : {}),
      mailbox: given.mailbox?.trim() || (inbox.settings as Partial<StoredEmailSettings>).imap?.mailbox || 'INBOX',
    };
    if (server === 'imap' && !target.user)
      throw new UnprocessableError('invalid_settings', 'settings.user is required to log in to an IMAP mailbox', 'body.settings.user');
    return { target };
  }

  return {
    async test(ctx: TenantContext, inboxId: number, input: ConnectionTestInput): Promise<ConnectionTestResult> {
      const { target } = await serverToTry(ctx, inboxId, input);
      if (!target) return { ok: false, stage: 'auth', message: 'The saved password cannot be read (was HUMMDESK_ENCRYPTION_KEY changed?): enter it again' };
      try {
        if (input.server === 'smtp') {
          const transport = nodemailer.createTransport(await smtpTransportOptions(target, config));
          try {
            await transport.verify();
          } finally {
            transport.close();
          }
        } else {
          await inImapMailbox(target, config, async () => undefined);
        }
        return { ok: true };
      } catch (error) {
        const { stage, message } = describeMailServerError(error, target);
        // A server may repeat what it was sent; the password is never said back.
        return { ok: false, stage, message: target.password ? message.split(target.password).join('********') : message };
      }
    },
  };
}

export type ConnectionTests = ReturnType<typeof createConnectionTests>;
