CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
CREATE MATERIALIZED VIEW order_sums AS SELECT id, total FROM orders;
