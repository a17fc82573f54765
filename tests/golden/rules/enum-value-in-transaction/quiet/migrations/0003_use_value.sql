-- a migration of its own: the value was committed with the one before
SET lock_timeout = '1s';
UPDATE orders SET status = 'refunded' WHERE id = 2;
