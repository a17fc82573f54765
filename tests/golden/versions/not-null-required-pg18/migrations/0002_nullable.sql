SET lock_timeout = '2s';
-- PostgreSQL 18 names each NOT NULL: dropping a key column's by name is refused too.
ALTER TABLE orders DROP CONSTRAINT orders_id_not_null;
