SET lock_timeout = '2s';
-- NOT NULL only because a migration said so, or beside UNIQUE: PostgreSQL lets it go.
ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
ALTER TABLE orders ALTER COLUMN reference DROP NOT NULL;
-- the identity first, in the same statement
ALTER TABLE orders ALTER COLUMN number DROP IDENTITY, ALTER COLUMN number DROP NOT NULL;
-- the key first
ALTER TABLE order_lines DROP CONSTRAINT order_lines_pkey;
ALTER TABLE order_lines ALTER COLUMN line DROP NOT NULL;
