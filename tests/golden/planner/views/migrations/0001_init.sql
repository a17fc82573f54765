CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);
-- an ORM model may sit on a view (Django: managed = False)
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE VIEW order_totals AS SELECT sum(total) AS total FROM orders;
