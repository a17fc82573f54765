CREATE TABLE customer (id serial PRIMARY KEY, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, total numeric(10,2));
CREATE TABLE "Legacy" (id int);
CREATE SEQUENCE invoice_no;
CREATE SCHEMA billing;
CREATE SEQUENCE billing."Ticket";
