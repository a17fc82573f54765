CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    reference varchar(32) NOT NULL,
    note varchar(64),
    amount numeric(10,2) NOT NULL,
    quantity integer NOT NULL,
    shipped_at timestamptz
);
