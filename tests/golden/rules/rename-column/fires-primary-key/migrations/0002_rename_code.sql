SET lock_timeout = '1s';
ALTER TABLE accounts RENAME COLUMN code TO handle;
