SET lock_timeout = '1s';
BEGIN;
ALTER TYPE order_status ADD VALUE 'refunded';
-- each of these reads 'refunded' as an order_status
INSERT INTO orders (id, status) VALUES (1, 'refunded');
UPDATE orders SET status = 'refunded' WHERE id = 2;
DELETE FROM orders WHERE status IN ('cancelled', 'refunded');
UPDATE orders SET note = 'refund' WHERE status = 'refunded'::order_status;
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'refunded';
ALTER TABLE orders ADD CONSTRAINT orders_not_refunded CHECK (status <> 'refunded') NOT VALID;
CREATE VIEW refunded_orders AS SELECT id FROM orders WHERE status = 'refunded';
-- a text column compared with the same string: no use of the type
UPDATE orders SET note = 'refunded' WHERE note = 'refunded';
COMMIT;
