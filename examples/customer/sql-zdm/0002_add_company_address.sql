-- The address may be blank. The default stays: code that does not know the
-- column yet (the old release) leaves it out of its INSERTs and gets ''.
-- A constant default makes this a catalog-only change on PostgreSQL 11+.
ALTER TABLE customer ADD COLUMN company_address varchar(100) NOT NULL DEFAULT '';
