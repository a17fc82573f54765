-- Flyway sees that this cannot run in a transaction and runs it outside one.
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
