SET lock_timeout = '1s';
ALTER TABLE orders ALTER COLUMN reference TYPE varchar(64);
ALTER TABLE orders ALTER COLUMN note TYPE text, ALTER COLUMN amount TYPE numeric(12,2);
