SET lock_timeout = '1s';
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'x'::regclass;
DELETE FROM pg_catalog.pg_depend WHERE objid = 1;
ALTER TABLE information_schema.sql_features ADD COLUMN x int;
