SET lock_timeout = '1s';
ALTER TABLE archive ADD COLUMN note varchar(100);
ALTER TABLE archive ALTER COLUMN note TYPE varchar(200);
ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);
ALTER TABLE orders ALTER COLUMN amount TYPE integer;
ALTER TABLE customer ALTER COLUMN name TYPE varchar(200);
