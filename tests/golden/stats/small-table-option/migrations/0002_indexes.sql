SET lock_timeout = '1s';
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX country_name_idx ON country (name);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
ALTER TABLE country ALTER COLUMN name TYPE varchar(64);
