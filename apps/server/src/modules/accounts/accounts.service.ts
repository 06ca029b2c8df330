import { eq, sql } from 'drizzle-orm';
import type { AppDb } from '../../db/client.js';
import { accounts } from '../../db/schema.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';

export interface AiRouting {
  /** Route conversations the AI classified to the suggested team (and online agent). */
  enabled: boolean;
  /** The confidence a classification needs before it routes. */
  threshold: number;
}

export const DEFAULT_AI_ROUTING: AiRouting = { enabled: true, threshold: 0.75 };

export function aiRoutingOf(settings: Record<string, unknown>): AiRouting {
  return { ...DEFAULT_AI_ROUTING, ...((settings.aiRouting as Partial<AiRouting> | undefined) ?? {}) };
}

const columns = { id: accounts.id, name: accounts.name, settings: accounts.settings, createdAt: accounts.createdAt };

const present = ({ settings, ...account }: { id: number; name: string; settings: Record<string, unknown>; createdAt: Date }) => ({
  ...account,
  aiRouting: aiRoutingOf(settings),
});

export function createAccountService({ db }: { db: AppDb }) {
  return {
    async get(ctx: TenantContext) {
      const [account] = await withTenant(db, ctx, (tx) => tx.select(columns).from(accounts).where(eq(accounts.id, ctx.accountId)));
      return present(account!);
    },

    async update(ctx: TenantContext, changes: { name?: string | undefined; aiRouting?: Partial<AiRouting> | undefined }) {
      const [account] = await withTenant(db, ctx, (tx) =>
        tx
          .update(accounts)
          .set({
            ...(changes.name ? { name: changes.name.trim() } : {}),
            ...(changes.aiRouting
              ? { settings: sql`jsonb_set(${accounts.settings}, '{aiRouting}', coalesce(${accounts.settings}->'aiRouting', '{}'::jsonb) || ${JSON.stringify(changes.aiRouting)}::jsonb)` }
              : {}),
            updatedAt: new Date(),
          })
          .where(eq(accounts.id, ctx.accountId))
          .returning(columns),
      );
      return present(account!);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
