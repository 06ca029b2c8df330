-- Row-level security on the AI triage tables, like every table with account_id.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ai_categories', 'ai_examples', 'ai_models', 'message_classifications']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (account_id = app_current_account_id()) '
                   'WITH CHECK (account_id = app_current_account_id())', t);
  END LOOP;
END $$;
