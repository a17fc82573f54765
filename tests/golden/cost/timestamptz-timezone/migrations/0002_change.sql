SET lock_timeout = '1s';
-- the values are UTC times: PostgreSQL 12+ keeps the rows
SET TimeZone = 'UTC';
ALTER TABLE events ALTER COLUMN seen_at TYPE timestamptz;
-- kept rows, but the index on happened_at is built again
ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;
ALTER TABLE events ALTER COLUMN closed_at TYPE timestamp;
-- another zone: each value is converted, every row rewritten
SET TIME ZONE 'Europe/Paris';
ALTER TABLE events ALTER COLUMN closed_at TYPE timestamptz;
SET TIME ZONE 0;
ALTER TABLE events ALTER COLUMN seen_at TYPE timestamp;
-- a precision below 6 rounds every value: a rewrite, even under UTC
ALTER TABLE events ALTER COLUMN closed_at TYPE timestamp(3);
ALTER TABLE events ALTER COLUMN closed_at TYPE timestamptz(6);
