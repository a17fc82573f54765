CREATE TABLE customer (id bigint PRIMARY KEY, email text, plan text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2));
CREATE TABLE audit (id bigserial PRIMARY KEY, note text);
CREATE TABLE archive (id bigint, total numeric(10,2));
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 1000;
CREATE SEQUENCE invoice_no;
