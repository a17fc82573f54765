SET lock_timeout = '1s';
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 't_pkey'::regclass;
DELETE FROM pg_catalog.pg_depend WHERE objid = 0;
DELETE FROM information_schema.sql_features WHERE feature_id = 'none';
