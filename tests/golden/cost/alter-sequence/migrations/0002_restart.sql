-- SHARE ROW EXCLUSIVE on the sequence until commit: nextval() waits.
ALTER SEQUENCE invoice_number_seq RESTART WITH 1000;
