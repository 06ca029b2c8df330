CREATE TABLE "ai_example_embeddings" (
	"account_id" integer NOT NULL,
	"model" text NOT NULL,
	"text_hash" "bytea" NOT NULL,
	"embedding" "bytea" NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_example_embeddings_account_id_model_text_hash_pk" PRIMARY KEY("account_id","model","text_hash")
);
--> statement-breakpoint
ALTER TABLE "ai_example_embeddings" ADD CONSTRAINT "ai_example_embeddings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Float32 vectors do not compress: stored out of line as they are, without a futile attempt.
ALTER TABLE "ai_example_embeddings" ALTER COLUMN "embedding" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "ai_example_embeddings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ai_example_embeddings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "ai_example_embeddings" USING (account_id = app_current_account_id())
  WITH CHECK (account_id = app_current_account_id());--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "ai_example_embeddings" TO hummdesk_app;
