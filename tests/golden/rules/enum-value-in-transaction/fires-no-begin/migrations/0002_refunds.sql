-- no BEGIN, but zdm migrate runs the file in one transaction
ALTER TYPE order_status ADD VALUE 'refunded';
SET lock_timeout = '1s';
ALTER TABLE orders ADD COLUMN refund_status order_status DEFAULT 'refunded';
