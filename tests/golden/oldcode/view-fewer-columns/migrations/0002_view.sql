-- The old code selects customer_names.name, which the new view lacks: zdm
-- knows that a view exists, not which columns it gives
-- (tests/integration/oldcode.known).
SET lock_timeout = '1s';
DROP VIEW customer_names;
CREATE VIEW customer_names AS SELECT id FROM customer;
