-- Row-level security on invitations (an account's rows, like every table with account_id) and on
-- sessions (a user's own rows).
ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "invitations"
  USING (account_id = app_current_account_id()) WITH CHECK (account_id = app_current_account_id());--> statement-breakpoint
-- Accepting an invitation happens before its account is known: the transaction names the hash
-- of the token it holds, and sees exactly that invitation.
CREATE FUNCTION app_lookup_invitation() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.lookup_invitation', true), '') $$;--> statement-breakpoint
CREATE POLICY invitation_by_token ON "invitations" FOR SELECT USING (token_hash = app_lookup_invitation());--> statement-breakpoint
ALTER TABLE "user_sessions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "user_sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY own_sessions ON "user_sessions"
  USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "invitations", "user_sessions" TO hummdesk_app;--> statement-breakpoint
-- Agents invited before invitations existed were users without a password and already members:
-- they become pending invitations (the administrator renews one to get a link to send), and
-- stop being members and users, so their e-mail never blocks its owner from registering.
ALTER TABLE "account_users" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversations" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
INSERT INTO "invitations" ("account_id", "email", "name", "role", "token_hash", "invited_by", "expires_at")
SELECT au."account_id", u."email", u."name", au."role", 'unusable-' || gen_random_uuid(), au."invited_by", now() + interval '7 days'
FROM "account_users" au JOIN "users" u ON u."id" = au."user_id"
WHERE u."password_hash" IS NULL;--> statement-breakpoint
UPDATE "conversations" c SET "assignee_id" = NULL
FROM "users" u WHERE u."id" = c."assignee_id" AND u."password_hash" IS NULL;--> statement-breakpoint
DELETE FROM "users" WHERE "password_hash" IS NULL;--> statement-breakpoint
ALTER TABLE "account_users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "conversations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;
