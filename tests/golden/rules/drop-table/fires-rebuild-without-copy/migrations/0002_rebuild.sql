-- Rebuilt without copying the rows: dropping the backup loses them.
SET lock_timeout = '1s';
BEGIN;
ALTER TABLE device RENAME TO _bkp_device;
CREATE TABLE device (id serial PRIMARY KEY, username varchar(100) NOT NULL, kid varchar(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
DROP TABLE _bkp_device;
COMMIT;
