ALTER TABLE "knowledge_base_articles" ADD COLUMN "title_vector" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
-- Backfill. FORCE ROW LEVEL SECURITY holds the owner to the policies too, and a migration runs
-- for no account, so it would see no rows: lifted for the two tables read and written here, and
-- restored below, within the migration's transaction.
ALTER TABLE "knowledge_base_articles" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "knowledge_base_chunks" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- The same words articles.repo.ts (refreshTitleVector) writes with an article's chunks.
UPDATE "knowledge_base_articles" a SET "title_vector" = strip(to_tsvector('english', left(a."title" || ' ' || coalesce(
  (SELECT string_agg(DISTINCT c."heading", ' ') FROM "knowledge_base_chunks" c WHERE c."account_id" = a."account_id" AND c."article_id" = a."id"),
  ''), 100000)));--> statement-breakpoint
ALTER TABLE "knowledge_base_articles" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "knowledge_base_chunks" FORCE ROW LEVEL SECURITY;
