CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100;
CREATE SEQUENCE invoice_no;
