SET lock_timeout = '1s';
ALTER TABLE accounts DROP COLUMN code;
