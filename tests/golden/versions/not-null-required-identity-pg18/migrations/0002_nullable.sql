SET lock_timeout = '2s';
-- PostgreSQL 18 names each NOT NULL: dropping an identity column's by name is refused too.
ALTER TABLE orders DROP CONSTRAINT orders_number_not_null;
