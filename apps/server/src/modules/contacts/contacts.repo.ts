import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { contacts } from '../../db/schema.js';

export interface ContactIdentity {
  name?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
}

export const contactColumns = {
  id: contacts.id,
  name: contacts.name,
  email: contacts.email,
  phone: contacts.phone,
  attributes: contacts.attributes,
  createdAt: contacts.createdAt,
  updatedAt: contacts.updatedAt,
};

/** The account's contact with this e-mail, or a new contact (a customer writing in). */
export async function findOrCreateContact(tx: Tx, accountId: number, identity: ContactIdentity) {
  const email = identity.email?.trim() || null;
  if (email) {
    const [existing] = await tx
      .select({ id: contacts.id, name: contacts.name, email: contacts.email })
      .from(contacts)
      .where(and(eq(contacts.accountId, accountId), sql`lower(${contacts.email}) = lower(${email})`));
    if (existing) return existing;
  }
  const name = identity.name?.trim() || email?.split('@')[0] || 'Visitor';
  const [created] = await tx
    .insert(contacts)
    .values({ accountId, name, email, phone: identity.phone?.trim() || null })
    .returning({ id: contacts.id, name: contacts.name, email: contacts.email });
  return created!;
}
