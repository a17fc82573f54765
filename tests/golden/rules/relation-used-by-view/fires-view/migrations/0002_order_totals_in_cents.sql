SET lock_timeout = '1s';
DROP VIEW order_totals;
CREATE VIEW order_totals AS
    SELECT customer_id, sum(amount) * 100 AS total_cents FROM orders GROUP BY customer_id;
