import type { JWT } from '@fastify/jwt';
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { AppDb, Tx } from '../../db/client.js';
import { nextAccountId } from '../accounts/accounts.repo.js';
import { seedDefaultTaxonomy } from '../ai/taxonomy.repo.js';
import { hashInvitationToken } from '../agents/invitations.repo.js';
import { createSession, listSessions, revokeOtherSessions, revokeSession, type SessionClient } from './sessions.repo.js';
import { findUserByEmail, insertUser } from './users.repo.js';
import { normaliseEmail } from '../../platform/schemas.js';
import { accounts, accountUsers, inboxes, invitations, users } from '../../db/schema.js';
import type { CallerContext, SessionContext } from '../../platform/auth.js';
import { AppError, ForbiddenError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import { assertStrongPassword } from '../../platform/password-policy.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';
import { enterAccount, runAsApp, withTenant, type AccountRole, type TokenScope } from '../../platform/tenancy.js';
import type { AccessChanges } from '../../realtime/access-changes.js';

export interface AccountSummary {
  id: number;
  name: string;
  role: AccountRole;
}

export interface SessionData {
  user: { id: number; name: string; email: string; createdAt: Date };
  account: AccountSummary;
  accounts: AccountSummary[];
}

export interface Session extends SessionData {
  token: string;
}

class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'E-mail or password is incorrect');
  }
}

class InvalidInvitationError extends AppError {
  constructor() {
    super(400, 'invalid_invitation', 'This invitation is invalid, expired, revoked or already used');
  }
}

const publicUser = { id: users.id, name: users.name, email: users.email, createdAt: users.createdAt };

export function createAuthService(deps: {
  db: AppDb;
  jwt: Pick<JWT, 'sign'>;
  /** How long a session (and its token) lasts. */
  sessionTtlSeconds: number;
  accessChanges: Pick<AccessChanges, 'publish'>;
}) {
  const { db, jwt } = deps;

  /** A new session, and the token that names it. */
  async function issue(data: SessionData, client: SessionClient): Promise<Session> {
    const sid = await createSession(db, data.user.id, deps.sessionTtlSeconds, client);
    return { token: jwt.sign({ sub: String(data.user.id), acc: data.account.id, sid }, { expiresIn: deps.sessionTtlSeconds }), ...data };
  }

  async function memberships(userId: number): Promise<AccountSummary[]> {
    return runAsApp(db, { userId }, (tx) =>
      tx
        .select({ id: accounts.id, name: accounts.name, role: accountUsers.role })
        .from(accountUsers)
        .innerJoin(accounts, eq(accounts.id, accountUsers.accountId))
        .where(eq(accountUsers.userId, userId))
        .orderBy(asc(accountUsers.createdAt), asc(accounts.id)),
    );
  }

  async function sessionFor(user: SessionData['user'], accountId: number | undefined, client: SessionClient): Promise<Session> {
    const all = await memberships(user.id);
    const account = accountId === undefined ? all[0] : all.find((a) => a.id === accountId);
    if (!account) {
      if (accountId !== undefined) throw new ForbiddenError('You are not a member of this account');
      throw new InvalidCredentialsError();
    }
    return issue({ user, account, accounts: all }, client);
  }

  /** The user with this e-mail when the password is theirs; the same time is spent either way. */
  async function checkCredentials(email: string, password: string) {
    const found = await runAsApp(db, { lookupEmail: email }, (tx) => findUserByEmail(tx, email));
    if (!(await verifyPassword(password, found?.passwordHash)) || !found) throw new InvalidCredentialsError();
    const { passwordHash: _, updatedAt: __, ...user } = found;
    return user;
  }

  /** A new account with its administrator, its default inbox and AI categories. */
  async function createAccount(tx: Tx, accountName: string, userId: number) {
    const accountId = await nextAccountId(tx);
    await enterAccount(tx, accountId);
    const [account] = await tx.insert(accounts).values({ id: accountId, name: accountName.trim() }).returning();
    await tx.insert(accountUsers).values({ accountId, userId, role: 'administrator' });
    await tx.insert(inboxes).values({ accountId, name: 'Website', channelType: 'web_widget' });
    await seedDefaultTaxonomy(tx, accountId);
    return { id: account!.id, name: account!.name, role: 'administrator' as const };
  }

  return {
    /**
     * Creates an account with its first administrator (and a default inbox), and logs in. An
     * e-mail that already has a login creates the account for that login when the password is
     * its own, and is refused exactly like a failed login otherwise: the answer never says
     * that an e-mail is registered.
     */
    async register(input: { accountName: string; name: string; email: string; password: string }, client: SessionClient): Promise<Session> {
      const email = normaliseEmail(input.email);
      // Checked first, so a weak password is refused alike for a new and a registered e-mail.
      assertStrongPassword(input.password, { email, name: input.name });
      const existing = await runAsApp(db, { lookupEmail: email }, (tx) => findUserByEmail(tx, email));
      if (existing) {
        const user = await checkCredentials(email, input.password);
        const account = await runAsApp(db, { userId: user.id }, (tx) => createAccount(tx, input.accountName, user.id));
        return issue({ user, account, accounts: await memberships(user.id) }, client);
      }
      const passwordHash = await hashPassword(input.password);
      const created = await runAsApp(db, { lookupEmail: email }, async (tx) => {
        const user = await insertUser(tx, { email, name: input.name.trim(), passwordHash });
        return { user, account: await createAccount(tx, input.accountName, user.id) };
      });
      return issue({ ...created, accounts: [created.account] }, client);
    },

    async login(input: { email: string; password: string; accountId?: number | undefined }, client: SessionClient): Promise<Session> {
      const user = await checkCredentials(normaliseEmail(input.email), input.password);
      return sessionFor(user, input.accountId, client);
    },

    /** A new token for another account of the same user (the account switcher). */
    async switchAccount(scope: TokenScope, accountId: number, client: SessionClient): Promise<Session> {
      const [user] = await runAsApp(db, { userId: scope.userId }, (tx) => tx.select(publicUser).from(users).where(eq(users.id, scope.userId)));
      return sessionFor(user!, accountId, client);
    },

    /** An access token sees only its own account: the creator's other accounts are none of an integration's business. */
    async me(caller: CallerContext): Promise<SessionData> {
      const [user] = await withTenant(db, caller, (tx) => tx.select(publicUser).from(users).where(eq(users.id, caller.userId)));
      const all = await memberships(caller.userId);
      const account = all.find((a) => a.id === caller.accountId)!;
      return { user: user!, account, accounts: caller.kind === 'session' ? all : [account] };
    },

    /**
     * The user changes their own name or password (every account they work in sees it). A new
     * password needs the current one, and ends every other session of the user at once.
     */
    async updateMe(
      session: SessionContext,
      changes: { name?: string | undefined; password?: string | undefined; currentPassword?: string | undefined },
    ): Promise<SessionData> {
      let passwordHash: string | undefined;
      if (changes.password !== undefined) {
        const [stored] = await runAsApp(db, { userId: session.userId }, (tx) =>
          tx.select({ email: users.email, name: users.name, passwordHash: users.passwordHash }).from(users).where(eq(users.id, session.userId)),
        );
        if (changes.currentPassword === undefined) {
          throw new UnprocessableError('current_password_required', 'Enter your current password to choose a new one', 'body.currentPassword');
        }
        if (!(await verifyPassword(changes.currentPassword, stored?.passwordHash))) {
          throw new UnprocessableError('wrong_password', 'The current password is not right', 'body.currentPassword');
        }
        assertStrongPassword(changes.password, { email: stored!.email, name: changes.name ?? stored!.name });
        passwordHash = await hashPassword(changes.password);
      }
      await runAsApp(db, { userId: session.userId }, (tx) =>
        tx
          .update(users)
          .set({ ...(changes.name ? { name: changes.name.trim() } : {}), ...(passwordHash ? { passwordHash } : {}), updatedAt: new Date() })
          .where(eq(users.id, session.userId)),
      );
      if (passwordHash) {
        await revokeOtherSessions(db, session.userId, session.sessionId);
        deps.accessChanges.publish({ userId: session.userId, exceptSessionId: session.sessionId, reason: 'session_revoked' });
      }
      return this.me(session);
    },

    /** Ends the caller's session: its token stops working everywhere at once. */
    async logout(session: SessionContext): Promise<void> {
      await revokeSession(db, session.userId, session.sessionId);
      deps.accessChanges.publish({ userId: session.userId, sessionId: session.sessionId, reason: 'signed_out' });
    },

    async sessions(session: SessionContext) {
      const rows = await listSessions(db, session.userId);
      return rows.map((row) => ({ ...row, current: row.id === session.sessionId }));
    },

    async revokeSession(session: SessionContext, sessionId: string): Promise<void> {
      if (!(await revokeSession(db, session.userId, sessionId))) throw new NotFoundError('Session');
      deps.accessChanges.publish({ userId: session.userId, sessionId, reason: 'session_revoked' });
    },

    /**
     * The invited person joins the account with the invitation's token: signed in as
     * themselves (`signedIn`), or with the password of the e-mail's existing login, or, when
     * the e-mail has no login yet, by choosing a password. An existing login's password is
     * never changed here, so whoever holds a token cannot take over someone else's login.
     */
    async acceptInvitation(
      input: { token: string; password?: string | undefined; name?: string | undefined },
      signedIn: SessionContext | undefined,
      client: SessionClient,
    ): Promise<Session> {
      const tokenHash = hashInvitationToken(input.token);
      const [invitation] = await runAsApp(db, { lookupInvitation: tokenHash }, (tx) =>
        tx
          .select()
          .from(invitations)
          .where(
            and(eq(invitations.tokenHash, tokenHash), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, sql`now()`)),
          ),
      );
      if (!invitation) throw new InvalidInvitationError();
      const email = normaliseEmail(invitation.email);

      let userId: number;
      if (signedIn) {
        const [me] = await runAsApp(db, { userId: signedIn.userId }, (tx) =>
          tx.select({ email: users.email }).from(users).where(eq(users.id, signedIn.userId)),
        );
        if (normaliseEmail(me!.email) !== email) {
          throw new ForbiddenError('This invitation is for another e-mail address: sign in with that address to accept it');
        }
        userId = signedIn.userId;
      } else {
        if (input.password === undefined) {
          throw new UnprocessableError('password_required', 'Choose a password, or sign in, to accept the invitation', 'body.password');
        }
        const existing = await runAsApp(db, { lookupEmail: email }, (tx) => findUserByEmail(tx, email));
        if (existing) userId = (await checkCredentials(email, input.password)).id;
        else {
          const name = input.name?.trim() || invitation.name;
          assertStrongPassword(input.password, { email, name });
          const passwordHash = await hashPassword(input.password);
          userId = (await runAsApp(db, { lookupEmail: email }, (tx) => insertUser(tx, { email, name, passwordHash }))).id;
        }
      }

      await withTenant(db, { accountId: invitation.accountId, userId }, async (tx) => {
        const [claimed] = await tx
          .update(invitations)
          .set({ acceptedAt: new Date(), acceptedBy: userId })
          .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
          .returning({ id: invitations.id });
        if (!claimed) throw new InvalidInvitationError();
        await tx
          .insert(accountUsers)
          .values({ accountId: invitation.accountId, userId, role: invitation.role, invitedBy: invitation.invitedBy })
          .onConflictDoNothing();
      });
      const [user] = await runAsApp(db, { userId }, (tx) => tx.select(publicUser).from(users).where(eq(users.id, userId)));
      return sessionFor(user!, invitation.accountId, client);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
