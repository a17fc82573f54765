SET lock_timeout = '1s';
ALTER TABLE ticket ALTER COLUMN id DROP IDENTITY;
