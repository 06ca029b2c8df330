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

export interface AiDrafts {
  /** A reply draft is written for each customer message once it is classified. */
  enabled: boolean;
}

export function aiDraftsOf(settings: Record<string, unknown>): AiDrafts {
  return { enabled: true, ...((settings.aiDrafts as Partial<AiDrafts> | undefined) ?? {}) };
}

export function aiRoutingOf(settings: Record<string, unknown>): AiRouting {
  return { ...DEFAULT_AI_ROUTING, ...((settings.aiRouting as Partial<AiRouting> | undefined) ?? {}) };
}

const columns = { id: accounts.id, name: accounts.name, settings: accounts.settings, createdAt: accounts.createdAt };

const present = ({ settings, ...account }: { id: number; name: string; settings: Record<string, unknown>; createdAt: Date }) => ({
  ...account,
  aiRouting: aiRoutingOf(settings),
  aiDrafts: aiDraftsOf(settings),
});

export function createAccountService({ db }: { db: AppDb }) {
  return {
    async get(ctx: TenantContext) {
      const [account] = await withTenant(db, ctx, (tx) => tx.select(columns).from(accounts).where(eq(accounts.id, ctx.accountId)));
      return present(account!);
    },

    async update(ctx: TenantContext, changes: { name?: string | undefined; aiRouting?: Partial<AiRouting> | undefined; aiDrafts?: AiDrafts | undefined }) {
      const settings = { ...(changes.aiRouting ? { aiRouting: changes.aiRouting } : {}), ...(changes.aiDrafts ? { aiDrafts: changes.aiDrafts } : {}) };
      const [account] = await withTenant(db, ctx, (tx) =>
        tx
          .update(accounts)
          .set({
            ...(changes.name ? { name: changes.name.trim() } : {}),
            // Each setting group is merged key by key into what is stored.
            ...(Object.keys(settings).length > 0
              ? {
                  settings: sql`${accounts.settings} || (select coalesce(jsonb_object_agg(key, coalesce(${accounts.settings}->key, '{}'::jsonb) || value), '{}'::jsonb)
                    from jsonb_each(${JSON.stringify(settings)}::jsonb))`,
                }
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
