-- Row-level security on the channel tables: each holds an account's rows.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['contact_inboxes', 'attachments', 'access_tokens', 'webhooks', 'webhook_deliveries']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (account_id = app_current_account_id())
      WITH CHECK (account_id = app_current_account_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hummdesk_app', t);
  END LOOP;
END $$;
--> statement-breakpoint
-- A request with an access token names the token's hash before its account is known, and sees
-- exactly that token.
CREATE FUNCTION app_lookup_access_token() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.lookup_access_token', true), '') $$;
--> statement-breakpoint
CREATE POLICY access_token_by_hash ON "access_tokens" FOR SELECT USING (token_hash = app_lookup_access_token());
--> statement-breakpoint
-- The public client API and the widget name an inbox by its public identifier before its account
-- is known, and see exactly that inbox.
CREATE FUNCTION app_lookup_inbox() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.lookup_inbox', true), '') $$;
--> statement-breakpoint
CREATE POLICY inbox_by_identifier ON "inboxes" FOR SELECT USING (identifier = app_lookup_inbox());
