SET lock_timeout = '1s';
-- zdm:allow type-change-cached-plans only Django with psycopg2 reads orders
ALTER TABLE orders ALTER COLUMN reference TYPE varchar(64);
