-- the query of CREATE TABLE AS EXECUTE is a prepared statement's: zdm does not follow it
PREPARE big_orders AS SELECT id FROM orders WHERE total > 100;
CREATE TABLE big_order_ids AS EXECUTE big_orders;
