-- zdm:requires-backfill
ALTER TABLE customer ADD CONSTRAINT first_name_set CHECK (first_name IS NOT NULL) NOT VALID;
