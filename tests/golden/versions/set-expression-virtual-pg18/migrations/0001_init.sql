CREATE TABLE users (id bigint PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);
