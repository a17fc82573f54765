-- With a default every row holds a value to check: PostgreSQL scans invoice.
SET lock_timeout = '1s';
ALTER TABLE invoice ADD COLUMN approved_by bigint DEFAULT 1 REFERENCES customer (id);
