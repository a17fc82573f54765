BEGIN;
SET LOCAL TimeZone = 'UTC';
ALTER TABLE events ALTER COLUMN seen_at TYPE timestamptz;
COMMIT;
-- the SET LOCAL ended with its transaction: the server's default zone again,
-- which zdm does not know: taken as not UTC
ALTER TABLE events ALTER COLUMN closed_at TYPE timestamp;
