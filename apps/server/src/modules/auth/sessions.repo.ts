/**
 * Sessions: a token is served only while the session it names is active. Rows are the user's
 * own (row-level security on user_id), so every query here runs with the user's id set.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { userSessions } from '../../db/schema.js';
import { runAsApp } from '../../platform/tenancy.js';

export interface SessionClient {
  ip: string;
  userAgent: string;
}

const active = (userId: number) => and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, sql`now()`));

export async function createSession(db: AppDb, userId: number, ttlSeconds: number, client: SessionClient): Promise<string> {
  const id = randomUUID();
  await runAsApp(db, { userId }, async (tx) => {
    // The user's sessions that ended a day ago or more go, so the table holds only recent ones.
    await tx.delete(userSessions).where(and(eq(userSessions.userId, userId), lt(userSessions.expiresAt, sql`now() - interval '1 day'`)));
    await tx.insert(userSessions).values({
      id,
      userId,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent.slice(0, 300),
    });
  });
  return id;
}

export function listSessions(db: AppDb, userId: number) {
  return runAsApp(db, { userId }, (tx) =>
    tx
      .select({
        id: userSessions.id,
        createdAt: userSessions.createdAt,
        expiresAt: userSessions.expiresAt,
        ip: userSessions.ip,
        userAgent: userSessions.userAgent,
      })
      .from(userSessions)
      .where(active(userId))
      .orderBy(desc(userSessions.createdAt)),
  );
}

/** Ends one session of the user; false when it is not theirs or already ended. */
export async function revokeSession(db: AppDb, userId: number, sessionId: string): Promise<boolean> {
  const ended = await runAsApp(db, { userId }, (tx) =>
    tx
      .update(userSessions)
      .set({ revokedAt: new Date() })
      .where(and(active(userId), eq(userSessions.id, sessionId)))
      .returning({ id: userSessions.id }),
  );
  return ended.length > 0;
}

/** Ends every session of the user but one (after a password change). */
export function revokeOtherSessions(db: AppDb, userId: number, keepSessionId: string) {
  return runAsApp(db, { userId }, (tx) =>
    tx
      .update(userSessions)
      .set({ revokedAt: new Date() })
      .where(and(active(userId), ne(userSessions.id, keepSessionId))),
  );
}
