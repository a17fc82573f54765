CREATE TABLE unrelated (id bigint PRIMARY KEY);
