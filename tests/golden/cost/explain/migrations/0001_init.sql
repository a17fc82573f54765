CREATE TABLE accounts (id bigint PRIMARY KEY, region text NOT NULL, balance numeric NOT NULL DEFAULT 0);
CREATE TABLE regions (name text PRIMARY KEY);
