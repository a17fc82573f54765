-- orders rebuilt under its own name: the views on it stop the DROP TABLE
BEGIN;
SET LOCAL lock_timeout = '1s';
CREATE TABLE orders_new (LIKE orders INCLUDING ALL);
INSERT INTO orders_new SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
COMMIT;
