-- Statements of kinds the differential lock test (tests/integration/locks)
-- would otherwise not run: each one's locks and cost, as PostgreSQL takes them.
CREATE TABLE accounts (id bigint PRIMARY KEY, region text, tier text);
CREATE TABLE archive (id bigint);
CREATE SCHEMA history;
CREATE TYPE account_state AS ENUM ('open', 'closed');
CREATE FUNCTION account_count() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN 0; END $$;
