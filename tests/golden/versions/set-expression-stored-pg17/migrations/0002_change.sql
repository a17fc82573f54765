SET lock_timeout = '1s';
ALTER TABLE users ALTER COLUMN b SET EXPRESSION AS (a * 3);
