-- After the deploy (the old code reads note), with a statement zdm cannot
-- analyse: it touches what it names (invoice_line), nothing else.
SET lock_timeout = '1s';
ALTER TABLE customer DROP COLUMN note;
DO $$ BEGIN EXECUTE 'ANALYZE "invoice_line"'; END $$;
