CREATE TABLE visibility (id bigint PRIMARY KEY);
