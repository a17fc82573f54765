CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    amount integer NOT NULL,
    note text
);
CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL);
CREATE VIEW order_totals AS
    SELECT o.customer_id, sum(o.amount) AS total
    FROM orders o
    GROUP BY o.customer_id;
CREATE VIEW big_spenders AS SELECT customer_id FROM order_totals WHERE total > 1000;
CREATE MATERIALIZED VIEW customer_names AS
    SELECT c.name, count(*) AS orders
    FROM customer c JOIN orders USING (id)
    GROUP BY c.name;
