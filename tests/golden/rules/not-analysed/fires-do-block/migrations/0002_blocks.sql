SET lock_timeout = '1s';
-- a loop: zdm cannot tell what runs, nor how often
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexrelid::regclass AS ix FROM pg_index WHERE NOT indisvalid LOOP
        EXECUTE format('DROP INDEX %s', r.ix);
    END LOOP;
END
$$;
-- branches that do different things
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 120000 THEN
        ALTER TABLE orders ADD COLUMN note text;
    ELSE
        ALTER TABLE orders ADD COLUMN note varchar(200);
    END IF;
END
$$;
-- refused inside a function: the migration fails
DO $$ BEGIN CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total); END $$;
-- a statement inside a block is judged where it stands
DO $$
BEGIN
    UPDATE customer SET plan = 'free' WHERE plan IS NULL;
    CREATE INDEX customer_plan_idx ON customer (plan);
END
$$;
