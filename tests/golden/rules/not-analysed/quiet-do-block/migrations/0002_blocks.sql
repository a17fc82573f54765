SET lock_timeout = '1s';
-- A DO block whose statements zdm can follow is analysed as those statements
-- (temporal's: only an extension, when missing).
DO LANGUAGE 'plpgsql' $$
    BEGIN
        IF ( NOT EXISTS (select extname from pg_extension where extname = 'btree_gin') ) THEN
            CREATE EXTENSION btree_gin;
        END IF;
    END
$$;
-- the idempotent guard: its branch is taken to run
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'orders' AND column_name = 'note') THEN
        ALTER TABLE orders ADD COLUMN note text;
    ELSE
        RAISE NOTICE 'orders.note exists';
    END IF;
END
$$;
-- an EXCEPTION handler that does nothing
DO $$
BEGIN
    CREATE TYPE plan_kind AS ENUM ('free', 'paid');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
-- a body in single quotes: its statements point at the DO
DO 'BEGIN PERFORM 1; ALTER TABLE customer ADD COLUMN nickname text; END';
