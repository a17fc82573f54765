CREATE TABLE invoice (id bigint PRIMARY KEY, total numeric);
CREATE SEQUENCE invoice_number_seq;
