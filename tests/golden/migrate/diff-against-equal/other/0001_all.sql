CREATE TABLE customers (id bigint, name text NOT NULL, address text);
ALTER TABLE customers ADD PRIMARY KEY (id);
