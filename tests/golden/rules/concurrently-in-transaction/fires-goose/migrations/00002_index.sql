-- +goose Up
-- goose runs this file in one transaction: the index build fails
SET lock_timeout = '1s';
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);

-- +goose Down
DROP INDEX CONCURRENTLY orders_customer_id_idx;
