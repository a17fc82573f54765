CREATE TABLE executions (id bigint PRIMARY KEY);
