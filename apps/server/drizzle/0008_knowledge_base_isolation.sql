-- Row-level security on the knowledge-base and draft tables, like every table with account_id.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['knowledge_base_chunks', 'knowledge_base_embeddings', 'knowledge_base_index_state',
                           'knowledge_base_imports', 'ai_drafts']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (account_id = app_current_account_id()) '
                   'WITH CHECK (account_id = app_current_account_id())', t);
  END LOOP;
END $$;
