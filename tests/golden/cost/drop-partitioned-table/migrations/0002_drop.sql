SET lock_timeout = '1s';
-- its partitions go with it, each under ACCESS EXCLUSIVE; a detached one stays
ALTER TABLE measurement DETACH PARTITION measurement_2026;
DROP TABLE measurement;
ALTER TABLE measurement_2026 ADD COLUMN note text;
