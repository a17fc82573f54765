CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    reference varchar(32) NOT NULL,
    note varchar(64),
    amount numeric(10,2) NOT NULL,
    quantity integer NOT NULL,
    shipped_at timestamptz
);
ALTER TABLE orders ADD CONSTRAINT orders_shipped_at_not_null CHECK (shipped_at IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_shipped_at_not_null;
