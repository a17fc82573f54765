CREATE TABLE orders (id bigint PRIMARY KEY, number int, legacy_number int);
