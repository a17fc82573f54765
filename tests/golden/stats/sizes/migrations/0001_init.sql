CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(10,2));
CREATE TABLE country (code text PRIMARY KEY, name text NOT NULL);
