CREATE TABLE invoice (id bigint PRIMARY KEY, total numeric, paid boolean);
CREATE VIEW open_invoice AS SELECT id, total FROM invoice WHERE NOT paid;
