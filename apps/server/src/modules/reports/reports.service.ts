/**
 * Reports over the last N days of the account: conversation volume by day and category or
 * priority, first-response and resolution times, the AI's classification accuracy as agents'
 * corrections measure it, and what agents did with the drafts. Aggregates in SQL, inside the
 * tenant transaction like every query.
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
        // Resolution counts the conversations resolved in the period (and not reopened since:
        // reopening clears resolved_at), timed from their opening.
        const [resolution] = await queryRows<{ resolved: number; median: number | null; p90: number | null }>(
          tx,
          sql`select count(*)::int as resolved,
                percentile_cont(0.5) within group (order by extract(epoch from resolved_at - created_at)) as median,
                percentile_cont(0.9) within group (order by extract(epoch from resolved_at - created_at)) as p90
              from conversations where account_id = ${ctx.accountId} and resolved_at >= ${since}`,
        );
        // Per day, each median over the same conversations as its figure: first responses by the
        // day the conversation opened, resolutions by the day it was resolved.
        const responseTimes = await queryRows<{ day: string; firstResponse: number | null; resolution: number | null }>(
          tx,
          sql`with first_response as (
                select ${day('created_at')} as day,
                  percentile_cont(0.5) within group (order by extract(epoch from first_reply_at - created_at)) as median
                from conversations where account_id = ${ctx.accountId} and created_at >= ${since} and first_reply_at is not null group by 1
              ), resolution as (
                select ${day('resolved_at')} as day,
                  percentile_cont(0.5) within group (order by extract(epoch from resolved_at - created_at)) as median
                from conversations where account_id = ${ctx.accountId} and resolved_at >= ${since} group by 1
              )
              select coalesce(f.day, r.day) as day, f.median as "firstResponse", r.median as resolution
              from first_response f full join resolution r on r.day = f.day order by 1`,
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
          firstResponse: {
            answered: firstResponse?.answered ?? 0,
            medianSeconds: seconds(firstResponse?.median ?? null),
            p90Seconds: seconds(firstResponse?.p90 ?? null),
          },
          resolution: { resolved: resolution?.resolved ?? 0, medianSeconds: seconds(resolution?.median ?? null), p90Seconds: seconds(resolution?.p90 ?? null) },
          responseTimes: responseTimes.map((row) => ({
            day: row.day,
            firstResponseMedianSeconds: seconds(row.firstResponse),
            resolutionMedianSeconds: seconds(row.resolution),
          })),
          classificationAccuracy: accuracy.map((row) => ({ ...row, accuracy: row.classified ? 1 - row.corrected / row.classified : null })),
          draftOutcomes: drafts,
        };
      }),
  };
}

export type ReportService = ReturnType<typeof createReportService>;
