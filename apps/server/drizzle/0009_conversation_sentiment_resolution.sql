ALTER TABLE "conversations" ADD COLUMN "sentiment" "sentiment";--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "resolved_at" timestamp (3) with time zone;--> statement-breakpoint
-- Backfill. FORCE ROW LEVEL SECURITY holds the owner to the policies too, and a migration runs
-- for no account, so it would see no rows: lifted for the two tables read and written here, and
-- restored below, within the migration's transaction.
ALTER TABLE "conversations" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "message_classifications" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- The latest classification, in the order the API's latestClassification reads it.
UPDATE "conversations" c SET "sentiment" = latest."sentiment"
FROM (
  SELECT DISTINCT ON ("account_id", "conversation_id") "account_id", "conversation_id", "sentiment"
  FROM "message_classifications"
  ORDER BY "account_id", "conversation_id", "created_at" DESC, "id" DESC
) latest
WHERE c."account_id" = latest."account_id" AND c."id" = latest."conversation_id";--> statement-breakpoint
-- When a resolved conversation was resolved is not recorded; its last update is the best estimate.
UPDATE "conversations" SET "resolved_at" = "updated_at" WHERE "status" = 'resolved';--> statement-breakpoint
ALTER TABLE "conversations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "message_classifications" FORCE ROW LEVEL SECURITY;
