-- +goose Up
-- goose runs this file in one transaction
ALTER TYPE order_status ADD VALUE 'refunded';
CREATE INDEX orders_refunded_idx ON orders (id) WHERE status = 'refunded';

-- +goose Down
DROP INDEX orders_refunded_idx;
