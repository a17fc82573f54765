-- LANGUAGE sql bodies are checked as the function is created: PostgreSQL takes
-- ACCESS SHARE on the tables they read (customer here) until commit, which
-- blocks nothing but ACCESS EXCLUSIVE. zdm reads the body: no finding.
CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM customer
$$;
-- PostgreSQL 14's SQL-standard body is SQL too, whatever LANGUAGE says (none here).
CREATE FUNCTION order_total(o orders) RETURNS numeric
    RETURN o.total;
-- A body that names no table (river's migration 006) locks nothing.
CREATE FUNCTION mood_is_happy(m mood) RETURNS boolean LANGUAGE SQL IMMUTABLE AS $$
    SELECT CASE m WHEN 'happy' THEN true ELSE false END;
$$;
