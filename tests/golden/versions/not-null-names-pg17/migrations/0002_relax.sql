SET lock_timeout = '1s';
ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
