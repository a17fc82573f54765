SET lock_timeout = '1s';
ALTER TABLE orders ADD COLUMN note text;
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);
