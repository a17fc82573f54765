CREATE TABLE orders (id bigint PRIMARY KEY, placed_on date, archived boolean NOT NULL DEFAULT false);
CREATE FUNCTION archive_orders(cutoff date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    UPDATE orders SET archived = true WHERE placed_on < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
CREATE SCHEMA app;
CREATE FUNCTION app.noop() RETURNS void LANGUAGE sql AS $$ SELECT $$;
