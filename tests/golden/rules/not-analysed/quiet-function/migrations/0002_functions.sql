-- A trigger function, its replacement, a procedure and a C function: none
-- locks a table or changes what the application queries when it is created.
CREATE FUNCTION customer_email_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.email := lower(NEW.email);
    RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION customer_email_lower() RETURNS trigger AS $$
BEGIN
    NEW.email := lower(trim(NEW.email));
    RETURN NEW;
END;
$$ LANGUAGE PLPGSQL;
CREATE PROCEDURE archive_orders(cutoff date) LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM orders WHERE id < 0;
END;
$$;
