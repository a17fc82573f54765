-- Without IF EXISTS: the index is taken as existing, on a live table.
SET lock_timeout = '1s';
DROP INDEX customer_email_key1;
