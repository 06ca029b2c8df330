/**
 * Reports over the last N days of the account: conversation volume by day and category or
 * priority, first-response times, the AI's classification accuracy as agents' corrections
 * measure it, and what agents did with the drafts. Aggregates in SQL, inside the tenant
 * transaction like every query.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type AppDb } from '../../db/client.js';
import { withTenant, type TenantContext } from '../../platform/tenancy.js';

export function createReportService({ db }: { db: AppDb }) {
  return {
    summary: (ctx: TenantContext, days: number) =>
      withTenant(db, ctx, async (tx) => {
        const since = sql`now() - make_interval(days => ${days})`;
        const day = (column: string) => sql.raw(`to_char(date_trunc('day', ${column}), 'YYYY-MM-DD')`);
        const byCategory = await queryRows<{ day: string; key: string; count: number }>(
          tx,
          sql`select ${day('created_at')} as day, coalesce(category, 'unclassified') as key, count(*)::int as count
              from conversations where account_id = ${ctx.accountId} and created_at >= ${since} group by 1, 2 order by 1, 2`,
        );
        const byPriority = await queryRows<{ day: string; key: string; count: number }>(
          tx,
          sql`select ${day('created_at')} as day, priority::text as key, count(*)::int as count
              from conversations where account_id = ${ctx.accountId} and created_at >= ${since} group by 1, 2 order by 1, 2`,
        );
        const [firstResponse] = await queryRows<{ answered: number; median: number | null; p90: number | null }>(
          tx,
          sql`select count(*)::int as answered,
                percentile_cont(0.5) within group (order by extract(epoch from first_reply_at - created_at)) as median,
                percentile_cont(0.9) within group (order by extract(epoch from first_reply_at - created_at)) as p90
              from conversations where account_id = ${ctx.accountId} and created_at >= ${since} and first_reply_at is not null`,
        );
        const accuracy = await queryRows<{ day: string; classified: number; corrected: number }>(
          tx,
          sql`select ${day('created_at')} as day, count(*)::int as classified, count(corrected_at)::int as corrected
              from message_classifications where account_id = ${ctx.accountId} and created_at >= ${since} group by 1 order by 1`,
        );
        const drafts = await queryRows<{ day: string; key: string; count: number }>(
          tx,
          sql`select ${day('created_at')} as day, outcome::text as key, count(*)::int as count
              from ai_drafts where account_id = ${ctx.accountId} and created_at >= ${since} group by 1, 2 order by 1, 2`,
        );
        const seconds = (value: number | null) => (value === null ? null : Math.round(Number(value)));
        return {
          days,
          volumeByCategory: byCategory,
          volumeByPriority: byPriority,
          firstResponse: { answered: firstResponse?.answered ?? 0, medianSeconds: seconds(firstResponse?.median ?? null), p90Seconds: seconds(firstResponse?.p90 ?? null) },
          classificationAccuracy: accuracy.map((row) => ({ ...row, accuracy: row.classified ? 1 - row.corrected / row.classified : null })),
          draftOutcomes: drafts,
        };
      }),
  };
}

export type ReportService = ReturnType<typeof createReportService>;
