SET lock_timeout = '1s';
SET TimeZone = 'America/New_York';
-- each value converted from New York time: a rewrite
ALTER TABLE events ALTER COLUMN closed_at TYPE timestamptz;
SET TimeZone = 'UTC';
-- catalog-only
ALTER TABLE events ALTER COLUMN seen_at TYPE timestamptz;
-- the rows stay, the index is built again
ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;
