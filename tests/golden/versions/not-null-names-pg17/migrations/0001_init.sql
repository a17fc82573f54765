-- Before PostgreSQL 18 a column's NOT NULL is no constraint: it has no name.
CREATE TABLE customer (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    code text CONSTRAINT customer_code_required NOT NULL
);
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    note text,
    status text,
    CONSTRAINT orders_status_not_null CHECK (status IS NOT NULL)
);
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;
-- orders_status_not_null is the CHECK's: the NOT NULL is orders_status_not_null1
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
-- LIKE copies the names
CREATE TABLE orders_archive (LIKE orders);
