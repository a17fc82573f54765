SET lock_timeout = '1s';
ALTER TABLE orders DROP COLUMN amount CASCADE;
