CREATE TABLE accounts (
    code varchar(16) PRIMARY KEY,
    name text NOT NULL
);
