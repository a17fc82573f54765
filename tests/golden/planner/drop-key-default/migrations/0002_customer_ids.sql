-- The old code's INSERT omits the key (Django's AutoField): without its
-- default it is NOT NULL with no value.
SET lock_timeout = '1s';
ALTER TABLE customer ALTER COLUMN id DROP DEFAULT;
