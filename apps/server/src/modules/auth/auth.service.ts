import type { JWT } from '@fastify/jwt';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { nextAccountId } from '../accounts/accounts.repo.js';
import { seedDefaultTaxonomy } from '../ai/taxonomy.repo.js';
import { insertUser } from './users.repo.js';
import { accounts, accountUsers, inboxes, users } from '../../db/schema.js';
import { AppError, ConflictError, ForbiddenError } from '../../platform/errors.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';
import { enterAccount, runAsApp, withTenant, type AccountRole, type TokenScope } from '../../platform/tenancy.js';

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

const INVITATION_TTL = '7d';

class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'E-mail or password is incorrect');
  }
}

class InvalidInvitationError extends AppError {
  constructor() {
    super(400, 'invalid_invitation', 'This invitation is invalid, expired or already used');
  }
}

export function createAuthService(deps: { db: AppDb; jwt: Pick<JWT, 'sign' | 'verify'> }) {
  const { db, jwt } = deps;
  const issue = (data: SessionData): Session => ({
    token: jwt.sign({ sub: String(data.user.id), acc: data.account.id }),
    ...data,
  });

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

  async function sessionFor(user: SessionData['user'], accountId: number | undefined): Promise<Session> {
    const all = await memberships(user.id);
    const account = accountId === undefined ? all[0] : all.find((a) => a.id === accountId);
    if (!account) {
      if (accountId !== undefined) throw new ForbiddenError('You are not a member of this account');
      throw new InvalidCredentialsError();
    }
    return issue({ user, account, accounts: all });
  }

  return {
    /** Creates an account with its first administrator (and a default inbox), and logs in. */
    async register(input: { accountName: string; name: string; email: string; password: string }): Promise<Session> {
      const passwordHash = await hashPassword(input.password);
      const email = input.email.trim();
      const created = await runAsApp(db, { lookupEmail: email }, async (tx) => {
        const taken = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = lower(${email})`);
        if (taken.length > 0) throw new ConflictError('email_taken', 'An account with this e-mail already exists; log in instead');
        const accountId = await nextAccountId(tx);
        await enterAccount(tx, accountId);
        const [account] = await tx.insert(accounts).values({ id: accountId, name: input.accountName.trim() }).returning();
        const user = await insertUser(tx, { email, name: input.name.trim(), passwordHash });
        await tx.insert(accountUsers).values({ accountId, userId: user.id, role: 'administrator' });
        await tx.insert(inboxes).values({ accountId, name: 'Website', channelType: 'web_widget' });
        await seedDefaultTaxonomy(tx, accountId);
        return { user, account: { id: account!.id, name: account!.name, role: 'administrator' as const } };
      });
      return issue({ ...created, accounts: [created.account] });
    },

    async login(input: { email: string; password: string; accountId?: number | undefined }): Promise<Session> {
      const email = input.email.trim();
      const [found] = await runAsApp(db, { lookupEmail: email }, (tx) =>
        tx.select().from(users).where(sql`lower(${users.email}) = lower(${email})`),
      );
      // verifyPassword spends the same time whether or not the user exists.
      if (!(await verifyPassword(input.password, found?.passwordHash)) || !found) throw new InvalidCredentialsError();
      const { passwordHash: _, updatedAt: __, ...user } = found;
      return sessionFor(user, input.accountId);
    },

    /** A new token for another account of the same user (the account switcher). */
    async switchAccount(scope: TokenScope, accountId: number): Promise<Session> {
      const [user] = await runAsApp(db, { userId: scope.userId }, (tx) =>
        tx
          .select({ id: users.id, name: users.name, email: users.email, createdAt: users.createdAt })
          .from(users)
          .where(eq(users.id, scope.userId)),
      );
      return sessionFor(user!, accountId);
    },

    async me(scope: TokenScope): Promise<SessionData> {
      const [user] = await withTenant(db, scope, (tx) =>
        tx
          .select({ id: users.id, name: users.name, email: users.email, createdAt: users.createdAt })
          .from(users)
          .where(eq(users.id, scope.userId)),
      );
      const all = await memberships(scope.userId);
      const account = all.find((a) => a.id === scope.accountId)!;
      return { user: user!, account, accounts: all };
    },

    /** The user changes their own name or password (every account they work in sees it). */
    async updateMe(scope: TokenScope, changes: { name?: string | undefined; password?: string | undefined }): Promise<SessionData> {
      const passwordHash = changes.password ? await hashPassword(changes.password) : undefined;
      await runAsApp(db, { userId: scope.userId }, (tx) =>
        tx
          .update(users)
          .set({ ...(changes.name ? { name: changes.name.trim() } : {}), ...(passwordHash ? { passwordHash } : {}), updatedAt: new Date() })
          .where(eq(users.id, scope.userId)),
      );
      return this.me(scope);
    },

    invitationToken(accountId: number, userId: number): string {
      return jwt.sign({ sub: String(userId), acc: accountId, purpose: 'invitation' }, { expiresIn: INVITATION_TTL });
    },

    /** An invited agent chooses a password; the invitation works once. */
    async acceptInvitation(input: { token: string; password: string; name?: string | undefined }): Promise<Session> {
      let claims: { sub: string; acc: number; purpose?: string };
      try {
        claims = jwt.verify(input.token);
      } catch {
        throw new InvalidInvitationError();
      }
      const userId = Number(claims.sub);
      if (claims.purpose !== 'invitation' || !Number.isSafeInteger(userId)) throw new InvalidInvitationError();
      const passwordHash = await hashPassword(input.password);
      const user = await withTenant(db, { accountId: claims.acc, userId }, async (tx) => {
        const member = await tx
          .select({ userId: accountUsers.userId })
          .from(accountUsers)
          .where(and(eq(accountUsers.accountId, claims.acc), eq(accountUsers.userId, userId)));
        if (member.length === 0) throw new InvalidInvitationError();
        const [updated] = await tx
          .update(users)
          .set({ passwordHash, updatedAt: new Date(), ...(input.name ? { name: input.name.trim() } : {}) })
          .where(and(eq(users.id, userId), sql`${users.passwordHash} is null`))
          .returning({ id: users.id, name: users.name, email: users.email, createdAt: users.createdAt });
        if (!updated) throw new InvalidInvitationError();
        return updated;
      });
      return sessionFor(user, claims.acc);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
