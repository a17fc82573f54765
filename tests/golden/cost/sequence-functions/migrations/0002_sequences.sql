-- setval, nextval and currval take ROW EXCLUSIVE on their sequence until
-- commit: ALTER SEQUENCE and DROP SEQUENCE wait for it.
SELECT setval('customer_id_seq', coalesce((SELECT max(id) FROM customer), 1));
SELECT setval('invoice_no'::regclass, 1000, false);
SELECT nextval('public.invoice_no');
SELECT setval('billing."Ticket"', 7);
-- a top-level SELECT locks what it reads: ACCESS SHARE, ROW SHARE under FOR UPDATE
SELECT count(*) FROM customer WHERE id = 1;
SELECT o.id FROM orders o JOIN customer c ON c.id = o.customer_id WHERE o.id = 1 FOR UPDATE OF o;
-- INSERT ... SELECT and UPDATE ... FROM read their sources under ACCESS SHARE
INSERT INTO orders (id, customer_id) SELECT id, id FROM customer WHERE id = 1;
UPDATE orders SET total = 0 FROM "Legacy" l WHERE orders.id = l.id;
