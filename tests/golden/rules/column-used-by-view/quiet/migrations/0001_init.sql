CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    amount integer NOT NULL,
    note varchar(100)
);
CREATE TABLE customer (id bigint PRIMARY KEY, name varchar(100) NOT NULL, note varchar(100));
CREATE TABLE archive (id bigint PRIMARY KEY, body text);
-- SELECT * reads the columns there are when the view is created
CREATE VIEW archive_all AS SELECT * FROM archive;
-- count(*) and a whole-row reference read no column
CREATE VIEW order_count AS SELECT count(*) AS n FROM orders;
CREATE VIEW order_rows AS SELECT o FROM orders o;
-- the qualified note is the customer's; the subquery's id is customer's own
CREATE VIEW customer_notes AS
    SELECT c.note, (SELECT count(*) FROM customer WHERE id = c.id) AS n
    FROM customer c;
-- a CTE named like a table hides it
CREATE VIEW shadow AS
    WITH customer AS (SELECT 1 AS name) SELECT name FROM customer;
