-- Jobs of an account are visible to that account (its administrators list them); workers claim
-- jobs of every account, and only a transaction that declares itself a queue worker sees them.
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON jobs
  USING (account_id = app_current_account_id()) WITH CHECK (account_id = app_current_account_id());
--> statement-breakpoint
CREATE POLICY queue_worker ON jobs USING (current_setting('app.queue_worker', true) = 'on');
