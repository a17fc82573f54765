-- +goose Up
ALTER TYPE mood ADD VALUE 'meh';

-- +goose Down
SELECT 1;
