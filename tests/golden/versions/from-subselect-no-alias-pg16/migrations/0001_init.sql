CREATE TABLE users (id bigint PRIMARY KEY, email text, a int, valid_at tstzrange);
