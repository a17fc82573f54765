-- migrate:up transaction:false
-- each statement commits on its own: the value is there for the next one
ALTER TYPE order_status ADD VALUE 'refunded';
SET lock_timeout = '1s';
UPDATE orders SET status = 'refunded' WHERE id = 2;

-- migrate:down
SELECT 1;
