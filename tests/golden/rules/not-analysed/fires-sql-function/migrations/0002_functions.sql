-- LANGUAGE sql bodies are parsed as the function is created: PostgreSQL takes
-- ACCESS SHARE on the tables they name (customer here), which zdm does not read.
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM customer
$$;
-- PostgreSQL 14's SQL-standard body is SQL too, whatever LANGUAGE says (none here).
CREATE FUNCTION order_total(o orders) RETURNS numeric
    RETURN o.total;
