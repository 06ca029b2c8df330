-- Message search (modules/search). btree_gin lets one GIN index lead with account_id and the id
-- run (search_bucket), so a search reads only its account's entries, newest runs first.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
-- Stored generated columns: adding them rewrites the table and fills every existing row (no
-- UPDATE, so FORCE ROW LEVEL SECURITY stays in place).
ALTER TABLE "messages" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (case when message_type = 'activity' then null else to_tsvector('english'::regconfig, left(content, 20000)) || to_tsvector('finnish'::regconfig, left(content, 20000)) || to_tsvector('swedish'::regconfig, left(content, 20000)) || to_tsvector('german'::regconfig, left(content, 20000)) || to_tsvector('french'::regconfig, left(content, 20000)) || to_tsvector('spanish'::regconfig, left(content, 20000)) end) STORED;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "search_bucket" integer GENERATED ALWAYS AS ((id / 65536)::integer) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("account_id","search_bucket","search_vector") WHERE message_type <> 'activity';--> statement-breakpoint
-- Under FORCE ROW LEVEL SECURITY Postgres takes a query's condition into an index scan, ahead of
-- the policy, only if its function is LEAKPROOF: a function that could raise an error depending on
-- a row would otherwise tell something about another account's rows. `tsvector @@ tsquery`
-- (ts_match_vq) raises none that depend on the row, yet is not marked so: without the mark, a
-- search reads every message of the account and tests each. Only a superuser may mark it; the
-- policy still filters every row returned. Without one, search works, slower (README: Search).
DO $$
BEGIN
  ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'message search: ts_match_vq not marked LEAKPROOF (needs a superuser); searches will not use messages_search_idx';
END $$;
