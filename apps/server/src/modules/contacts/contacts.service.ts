import { and, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { contacts, conversations } from '../../db/schema.js';
import { ConflictError, NotFoundError, postgresCode } from '../../platform/errors.js';
import { decodeTimeIdCursor, toPage } from '../../platform/pagination.js';
import { containsPattern } from '../../platform/search.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';
import type { ContactSockets } from '../../realtime/contact-sockets.js';
import type { AttachmentService } from '../attachments/attachments.service.js';
import { contactColumns } from './contacts.repo.js';

export interface ContactInput {
  name?: string | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  attributes?: Record<string, unknown> | undefined;
}

export function createContactService({
  db,
  attachments,
  contactSockets,
}: {
  db: AppDb;
  attachments: Pick<AttachmentService, 'conversationsWithFiles' | 'removeFilesOf'>;
  /** The deleted contact's open widget and client-API sockets end. */
  contactSockets?: Pick<ContactSockets, 'endContact'> | undefined;
}) {
  async function get(tx: Tx, ctx: TenantContext, id: number) {
    const [contact] = await tx
      .select(contactColumns)
      .from(contacts)
      .where(and(eq(contacts.accountId, ctx.accountId), eq(contacts.id, id)));
    if (!contact) throw new NotFoundError('Contact');
    return contact;
  }

  /** Two contacts of an account cannot share an e-mail: that is how customers are recognised. */
  async function saving<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (postgresCode(error) === '23505') throw new ConflictError('email_taken', 'Another contact already has this e-mail');
      throw error;
    }
  }

  return {
    list: (ctx: TenantContext, query: { q?: string | undefined; cursor?: string | undefined; limit: number }) =>
      withTenant(db, ctx, async (tx) => {
        const after = decodeTimeIdCursor(query.cursor);
        const conditions: (SQL | undefined)[] = [eq(contacts.accountId, ctx.accountId)];
        if (query.q?.trim()) {
          const pattern = containsPattern(query.q);
          conditions.push(or(ilike(contacts.name, pattern), ilike(contacts.email, pattern), ilike(contacts.phone, pattern)));
        }
        if (after) conditions.push(sql`(${contacts.createdAt}, ${contacts.id}) < (${after.at.toISOString()}::timestamptz, ${after.id})`);
        const rows = await tx
          .select(contactColumns)
          .from(contacts)
          .where(and(...conditions))
          .orderBy(desc(contacts.createdAt), desc(contacts.id))
          .limit(query.limit + 1);
        return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
      }),

    get: (ctx: TenantContext, id: number) => withTenant(db, ctx, (tx) => get(tx, ctx, id)),

    create: (ctx: TenantContext, input: ContactInput) =>
      saving(() =>
        withTenant(db, ctx, async (tx) => {
          const [created] = await tx
            .insert(contacts)
            .values({
              accountId: ctx.accountId,
              name: input.name?.trim() || input.email?.split('@')[0] || 'Visitor',
              email: input.email?.trim() || null,
              phone: input.phone?.trim() || null,
              attributes: input.attributes ?? {},
            })
            .returning({ id: contacts.id });
          return get(tx, ctx, created!.id);
        }),
      ),

    update: (ctx: TenantContext, id: number, input: ContactInput) =>
      saving(() =>
        withTenant(db, ctx, async (tx) => {
          await get(tx, ctx, id);
          await tx
            .update(contacts)
            .set({
              ...(input.name !== undefined ? { name: input.name.trim() } : {}),
              ...(input.email !== undefined ? { email: input.email?.trim() || null } : {}),
              ...(input.phone !== undefined ? { phone: input.phone?.trim() || null } : {}),
              ...(input.attributes !== undefined ? { attributes: input.attributes } : {}),
              updatedAt: new Date(),
            })
            .where(and(eq(contacts.accountId, ctx.accountId), eq(contacts.id, id)));
          return get(tx, ctx, id);
        }),
      ),

    /** Deletes the contact with their conversations and the files sent in them (GDPR erasure). */
    async remove(ctx: TenantContext, id: number) {
      const withFiles = await withTenant(db, ctx, async (tx) => {
        await get(tx, ctx, id);
        const ids = await attachments.conversationsWithFiles(tx, ctx.accountId, eq(conversations.contactId, id));
        await tx.delete(contacts).where(and(eq(contacts.accountId, ctx.accountId), eq(contacts.id, id)));
        return ids;
      });
      contactSockets?.endContact(id);
      await attachments.removeFilesOf(ctx.accountId, withFiles);
    },
  };
}

export type ContactService = ReturnType<typeof createContactService>;
