SET lock_timeout = '1s';
ALTER TABLE orders ALTER COLUMN amount TYPE bigint;
ALTER TABLE customer ALTER COLUMN name TYPE varchar(200);
