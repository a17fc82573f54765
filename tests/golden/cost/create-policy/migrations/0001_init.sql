CREATE TABLE invoice (id bigint PRIMARY KEY, owner text NOT NULL);
