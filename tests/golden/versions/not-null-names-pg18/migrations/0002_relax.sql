SET lock_timeout = '1s';
ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
ALTER TABLE orders DROP CONSTRAINT orders_status_not_null1;
ALTER TABLE orders_archive DROP CONSTRAINT orders_note_not_null;
ALTER TABLE customer ALTER CONSTRAINT customer_name_not_null NO INHERIT;
ALTER TABLE customer DROP CONSTRAINT customer_code_required;
-- the column is nullable again: SET NOT NULL scans for NULLs
ALTER TABLE customer ALTER COLUMN code SET NOT NULL;
