CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    amount integer NOT NULL
);
CREATE VIEW order_totals AS
    SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id;
CREATE VIEW big_spenders AS SELECT customer_id FROM order_totals WHERE total > 1000;
CREATE TABLE legacy_orders (id bigint PRIMARY KEY, amount integer);
CREATE VIEW legacy_totals AS SELECT sum(amount) AS total FROM legacy_orders;
