CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    amount integer NOT NULL
);
CREATE VIEW order_totals AS
    SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id;
CREATE MATERIALIZED VIEW top_customers AS
    SELECT customer_id, total FROM order_totals ORDER BY total DESC LIMIT 100;
CREATE VIEW top_ids AS SELECT customer_id FROM top_customers;
