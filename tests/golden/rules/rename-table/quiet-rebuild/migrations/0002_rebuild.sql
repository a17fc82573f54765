-- The table rebuilt under its own name, in one transaction (authelia's
-- pattern): the old code never meets a missing relation, and the backup it
-- drops is a name no code used, whose rows it copied first.
SET lock_timeout = '1s';
BEGIN;
ALTER TABLE device RENAME TO _bkp_device;
CREATE TABLE device (id serial PRIMARY KEY, username varchar(100) NOT NULL, kid varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO device (id, username, kid) SELECT id, username, kid FROM _bkp_device;
DROP TABLE _bkp_device;
COMMIT;
