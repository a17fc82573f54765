SET lock_timeout = '1s';
-- Archiving 2024: the old code's INSERT INTO events of a 2024 row now fails.
ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;
