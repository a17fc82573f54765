SET lock_timeout = '1s';
-- the locks and cost of a DO block are its statements'
DO $$
DECLARE
    n bigint := (SELECT count(*) FROM orders WHERE id = 0);
BEGIN
    ALTER TABLE customer ADD COLUMN nickname text;
    IF n = 0 THEN
        COMMENT ON TABLE orders IS 'no orders yet';
    END IF;
    PERFORM setval('orders_id_seq', 1000);
END
$$;
DO $$
BEGIN
    CREATE INDEX orders_customer_idx ON orders (customer_id);
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customer NOT VALID;
END
$$;
