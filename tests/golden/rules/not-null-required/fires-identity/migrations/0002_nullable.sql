SET lock_timeout = '2s';
ALTER TABLE orders ALTER COLUMN number DROP NOT NULL;
