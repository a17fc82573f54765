-- The backfill db/backfills/0002_first_name.sql fills first_name first.
-- zdm:requires-backfill 0002_first_name
ALTER TABLE customer ADD CONSTRAINT first_name_set CHECK (first_name IS NOT NULL) NOT VALID;
ALTER TABLE customer VALIDATE CONSTRAINT first_name_set;
