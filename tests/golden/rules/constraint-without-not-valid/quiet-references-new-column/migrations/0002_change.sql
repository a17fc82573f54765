-- A new column without a default holds only NULLs: PostgreSQL adds the key
-- without scanning invoice. (With a DEFAULT it would validate every row.)
SET lock_timeout = '1s';
ALTER TABLE invoice ADD COLUMN approved_by bigint REFERENCES customer (id);
