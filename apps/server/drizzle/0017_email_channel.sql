CREATE TYPE "public"."message_delivery_status" AS ENUM('queued', 'sent', 'failed');--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "source_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "email" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_status" "message_delivery_status";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_error" text;--> statement-breakpoint
CREATE UNIQUE INDEX "inboxes_email_address_account_key" ON "inboxes" USING btree (lower("settings"->>'address'),"account_id") WHERE "inboxes"."channel_type" = 'email';--> statement-breakpoint
CREATE UNIQUE INDEX "messages_account_source_id_key" ON "messages" USING btree ("account_id","source_id") WHERE "messages"."source_id" is not null;--> statement-breakpoint
-- The SMTP listener names a recipient address before its account is known, and sees exactly the
-- e-mail inboxes of that address (lower-case): one per account that claims it.
CREATE FUNCTION app_lookup_email_address() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.lookup_email_address', true), '') $$;
--> statement-breakpoint
CREATE POLICY inbox_by_email_address ON "inboxes" FOR SELECT
  USING (channel_type = 'email' AND lower(settings->>'address') = app_lookup_email_address());
