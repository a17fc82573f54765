-- +goose Up
SET lock_timeout = '1s';
ALTER TABLE customer ADD COLUMN email text;
-- +goose StatementBegin
CREATE FUNCTION customer_email_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.email := lower(NEW.email);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION customer_email_lower();
ALTER TABLE customer DROP COLUMN email;
