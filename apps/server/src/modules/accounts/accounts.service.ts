import { eq } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { accounts } from '../../db/schema.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';

const columns = { id: accounts.id, name: accounts.name, createdAt: accounts.createdAt };

export function createAccountService({ db }: { db: AppDb }) {
  return {
    async get(ctx: TenantContext) {
      const [account] = await withTenant(db, ctx, (tx) => tx.select(columns).from(accounts).where(eq(accounts.id, ctx.accountId)));
      return account!;
    },

    async update(ctx: TenantContext, changes: { name?: string | undefined }) {
      const [account] = await withTenant(db, ctx, (tx) =>
        tx
          .update(accounts)
          .set({ ...(changes.name ? { name: changes.name.trim() } : {}), updatedAt: new Date() })
          .where(eq(accounts.id, ctx.accountId))
          .returning(columns),
      );
      return account!;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
