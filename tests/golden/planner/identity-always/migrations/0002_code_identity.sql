-- The old code writes code: GENERATED ALWAYS refuses its values, so this
-- runs after the deploy; and the new code leaves code to the database, so
-- until this runs its INSERTs omit a NOT NULL column.
SET lock_timeout = '1s';
ALTER TABLE ticket ALTER COLUMN code ADD GENERATED ALWAYS AS IDENTITY;
