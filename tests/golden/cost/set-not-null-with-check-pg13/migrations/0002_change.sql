SET lock_timeout = '1s';
ALTER TABLE orders ALTER COLUMN shipped_at SET NOT NULL;
