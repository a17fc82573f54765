ALTER TYPE order_status ADD VALUE 'refunded';
-- IF NOT EXISTS of a value there already adds none: using it is fine
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'paid';
SET lock_timeout = '1s';
UPDATE orders SET status = 'paid' WHERE id = 3;
-- the same string, compared with a text column
UPDATE orders SET note = 'refunded' WHERE note = 'refunded';
