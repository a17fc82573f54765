-- both wait for the queries running on them, and queue the ones after
SET lock_timeout = '1s';
DROP VIEW big_orders;
DROP SEQUENCE invoice_no;
