import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { users } from '../../db/schema.js';

/**
 * Inserts a user. A new user belongs to no account yet, so row-level security would hide the
 * row from RETURNING; naming its e-mail as this transaction's lookup makes exactly it visible.
 */
export async function insertUser(tx: Tx, user: { email: string; name: string; passwordHash: string | null }) {
  await tx.execute(sql`select set_config('app.lookup_email', ${user.email}, true)`);
  const [created] = await tx.insert(users).values(user).returning({ id: users.id, name: users.name, email: users.email, createdAt: users.createdAt });
  return created!;
}

/** The user with this e-mail (any case), when the transaction's lookup names it. */
export async function findUserByEmail(tx: Tx, email: string) {
  const [found] = await tx
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return found;
}
