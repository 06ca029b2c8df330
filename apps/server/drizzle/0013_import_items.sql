-- An import's articles move from one jsonb value on the import (up to 8 MB written and read in
-- one statement, while PGlite's single connection serves nobody else) to one row per article,
-- which the import job reads and deletes in the transaction that writes the article.
CREATE TABLE "knowledge_base_import_items" (
	"account_id" integer NOT NULL,
	"import_id" integer NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"category" text,
	"status" "article_status" NOT NULL,
	CONSTRAINT "knowledge_base_import_items_account_id_import_id_position_pk" PRIMARY KEY("account_id","import_id","position")
);
--> statement-breakpoint
ALTER TABLE "knowledge_base_import_items" ADD CONSTRAINT "knowledge_base_import_items_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_base_imports" ADD CONSTRAINT "knowledge_base_imports_account_id_id_key" UNIQUE("account_id","id");--> statement-breakpoint
ALTER TABLE "knowledge_base_import_items" ADD CONSTRAINT "knowledge_base_import_items_account_id_import_id_knowledge_base_imports_account_id_id_fk" FOREIGN KEY ("account_id","import_id") REFERENCES "public"."knowledge_base_imports"("account_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Imports still queued or running keep the articles they have not written yet (the old job
-- skipped the first `processed - (total - items)` of them).
INSERT INTO "knowledge_base_import_items" ("account_id", "import_id", "position", "title", "content", "category", "status")
SELECT i."account_id", i."id", (e.n - 1)::integer, e.item->>'title', e.item->>'content', e.item->>'category', (e.item->>'status')::"article_status"
FROM "knowledge_base_imports" i, jsonb_array_elements(i."items") WITH ORDINALITY AS e(item, n)
WHERE i."status" IN ('queued', 'running') AND e.n > i."processed" - (i."total" - jsonb_array_length(i."items"));--> statement-breakpoint
ALTER TABLE "knowledge_base_imports" DROP COLUMN "items";--> statement-breakpoint
ALTER TABLE "knowledge_base_import_items" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "knowledge_base_import_items" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "knowledge_base_import_items" USING (account_id = app_current_account_id())
  WITH CHECK (account_id = app_current_account_id());
