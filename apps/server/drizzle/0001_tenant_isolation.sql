-- Tenant isolation, layer 1 (database): the application's queries run as hummdesk_app, which
-- is neither owner nor superuser and has no BYPASSRLS, so row-level security always applies.
-- FORCE makes it apply to the owner too. Policies read the account from the transaction-local
-- setting app.current_account_id (set by withTenant); when it is missing they match nothing.
DO $$
BEGIN
  CREATE ROLE hummdesk_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- created by another database of this cluster (roles are cluster-wide)
END $$;
--> statement-breakpoint
DO $$
BEGIN
  -- The owner switches to the role per transaction (SET LOCAL ROLE) when it is not connected as it.
  EXECUTE format('GRANT hummdesk_app TO %I', current_user);
EXCEPTION WHEN others THEN
  RAISE NOTICE 'could not grant hummdesk_app to %: %', current_user, SQLERRM;
END $$;
--> statement-breakpoint
CREATE FUNCTION app_current_account_id() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.current_account_id', true), '')::integer $$;
--> statement-breakpoint
CREATE FUNCTION app_current_user_id() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.current_user_id', true), '')::integer $$;
--> statement-breakpoint
-- Lookups that happen before an account is known (login by e-mail, the public demo endpoint
-- finding the demo account) name the one row they may see through these settings.
CREATE FUNCTION app_lookup_email() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT lower(nullif(current_setting('app.lookup_email', true), '')) $$;
--> statement-breakpoint
CREATE FUNCTION app_lookup_account_slug() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.lookup_account_slug', true), '') $$;
--> statement-breakpoint
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['teams', 'team_members', 'inboxes', 'contacts', 'labels', 'conversations',
                           'messages', 'knowledge_base_articles']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (account_id = app_current_account_id()) '
                   'WITH CHECK (account_id = app_current_account_id())', t);
  END LOOP;
END $$;
--> statement-breakpoint
ALTER TABLE account_users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE account_users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON account_users
  USING (account_id = app_current_account_id()) WITH CHECK (account_id = app_current_account_id());
--> statement-breakpoint
-- A user may list their own memberships (to choose an account at login), nothing more.
CREATE POLICY own_memberships ON account_users FOR SELECT USING (user_id = app_current_user_id());
--> statement-breakpoint
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON accounts
  USING (id = app_current_account_id()) WITH CHECK (id = app_current_account_id());
--> statement-breakpoint
CREATE POLICY member_accounts ON accounts FOR SELECT USING (
  slug = app_lookup_account_slug()
  OR EXISTS (SELECT 1 FROM account_users au WHERE au.account_id = accounts.id AND au.user_id = app_current_user_id())
);
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Users are shared between accounts: one is visible to itself, to the accounts it belongs to,
-- and to the one lookup by e-mail a login or an invitation makes.
CREATE POLICY visible_users ON users FOR SELECT USING (
  id = app_current_user_id()
  OR lower(email) = app_lookup_email()
  OR EXISTS (SELECT 1 FROM account_users au WHERE au.user_id = users.id AND au.account_id = app_current_account_id())
);
--> statement-breakpoint
CREATE POLICY create_users ON users FOR INSERT WITH CHECK (true);
--> statement-breakpoint
-- Only the person changes their own name or password: an administrator of one account must not
-- change what the other accounts of a shared user see.
CREATE POLICY update_users ON users FOR UPDATE USING (id = app_current_user_id());
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO hummdesk_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hummdesk_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO hummdesk_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hummdesk_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO hummdesk_app;
