CREATE TABLE customers (id bigint PRIMARY KEY, name varchar(100), address text DEFAULT '');
CREATE INDEX customers_name_idx ON customers (name);
CREATE TABLE audit (at timestamptz NOT NULL DEFAULT now());
