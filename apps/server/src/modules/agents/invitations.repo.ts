/**
 * Invitations: the only way into an account for a person the account did not create. The token
 * is random (256 bits) and shown once; only its SHA-256 is stored, so a database dump opens
 * nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { invitations } from '../../db/schema.js';
import type { AccountRole } from '../../platform/tenancy.js';

export const INVITATION_TTL_DAYS = 7;

export const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const invitationColumns = {
  id: invitations.id,
  email: invitations.email,
  name: invitations.name,
  role: invitations.role,
  expiresAt: invitations.expiresAt,
  createdAt: invitations.createdAt,
};

const pending = (accountId: number) => and(eq(invitations.accountId, accountId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt));

export function listPendingInvitations(tx: Tx, accountId: number) {
  return tx.select(invitationColumns).from(invitations).where(pending(accountId)).orderBy(asc(invitations.createdAt), asc(invitations.id));
}

/** Creates (or replaces, for the same e-mail) the account's pending invitation; returns it with its token. */
export async function createInvitation(tx: Tx, input: { accountId: number; email: string; name: string; role: AccountRole; invitedBy: number }) {
  await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(pending(input.accountId), sql`lower(${invitations.email}) = lower(${input.email})`));
  const token = randomBytes(32).toString('base64url');
  const [invitation] = await tx
    .insert(invitations)
    .values({ ...input, tokenHash: hashInvitationToken(token), expiresAt: expiry() })
    .returning(invitationColumns);
  return { invitation: invitation!, token };
}

/** A new token and expiry for a pending invitation (the old link stops working). */
export async function renewInvitation(tx: Tx, accountId: number, id: number) {
  const token = randomBytes(32).toString('base64url');
  const [invitation] = await tx
    .update(invitations)
    .set({ tokenHash: hashInvitationToken(token), expiresAt: expiry() })
    .where(and(pending(accountId), eq(invitations.id, id)))
    .returning(invitationColumns);
  return invitation && { invitation, token };
}

export async function revokeInvitation(tx: Tx, accountId: number, id: number): Promise<boolean> {
  const revoked = await tx
    .update(invitations)
    .set({ revokedAt: new Date() })
    .where(and(pending(accountId), eq(invitations.id, id)))
    .returning({ id: invitations.id });
  return revoked.length > 0;
}

const expiry = () => new Date(Date.now() + INVITATION_TTL_DAYS * 24 * 3600 * 1000);
