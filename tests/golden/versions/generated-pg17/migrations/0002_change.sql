SET lock_timeout = '1s';
ALTER TABLE users ADD COLUMN double_a int GENERATED ALWAYS AS (a * 2) STORED;
