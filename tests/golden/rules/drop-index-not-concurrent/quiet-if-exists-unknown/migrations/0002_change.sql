-- Neither index was ever created by this history: a database it built has
-- none, so these do nothing there (as DROP TABLE IF EXISTS of an unknown
-- table). Without IF EXISTS zdm would take the index as existing.
SET lock_timeout = '1s';
DROP INDEX IF EXISTS customer_email_key1;
DROP TABLE IF EXISTS legacy_orders;
