-- PostgreSQL checks a LANGUAGE sql body as it creates the function: each
-- statement is analysed and rewritten, not run. ACCESS SHARE on what it
-- reads, ROW EXCLUSIVE on what it writes, ROW SHARE under FOR UPDATE.
CREATE FUNCTION customer_orders(bigint) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM orders o JOIN customer c ON c.id = o.customer_id WHERE c.id = $1
$$;
CREATE FUNCTION archive_order(bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO archive SELECT id, total FROM orders WHERE id = $1;
    DELETE FROM orders WHERE id = $1;
    UPDATE audit SET note = 'archived' WHERE id = $1;
$$;
-- a view gives way to what it reads: big_orders and orders
CREATE FUNCTION big_order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM big_orders';
CREATE FUNCTION lock_customer(bigint) RETURNS SETOF customer LANGUAGE sql AS $$
    SELECT * FROM customer WHERE id = $1 FOR UPDATE
$$;
-- BEGIN ATOMIC and RETURN bodies (PostgreSQL 14)
CREATE PROCEDURE note_plan(bigint) LANGUAGE sql BEGIN ATOMIC
    INSERT INTO audit (note) SELECT plan FROM customer WHERE id = $1;
END;
CREATE FUNCTION order_total(bigint) RETURNS numeric LANGUAGE sql
    RETURN (SELECT total FROM orders WHERE id = $1);
-- not run: nextval locks nothing yet; a body naming no table locks nothing
CREATE FUNCTION next_invoice() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('invoice_no') $$;
CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$;
-- a polymorphic argument: PostgreSQL cannot check the body until a call
CREATE FUNCTION first_of(anyarray) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM customer $$;
-- nor with check_function_bodies off (pg_dump writes it)
SET check_function_bodies = false;
CREATE FUNCTION email_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(email) FROM customer $$;
-- A stored body reading a field of a table's row type: PostgreSQL 17 and
-- later lock that table (orders) to record the dependency; 15 does not.
SET check_function_bodies = true;
CREATE FUNCTION total_of(o orders) RETURNS numeric RETURN o.total;
CREATE FUNCTION plan_of(customer) RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT ($1).plan; END;
