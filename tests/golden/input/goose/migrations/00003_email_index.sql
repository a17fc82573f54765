-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY customer_email_idx ON customer (email);

-- +goose Down
DROP INDEX CONCURRENTLY customer_email_idx;
