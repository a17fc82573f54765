-- the path already in force: names resolve as before, so this may pass 0002
SET search_path TO public;
ALTER TABLE b ADD COLUMN y int;
