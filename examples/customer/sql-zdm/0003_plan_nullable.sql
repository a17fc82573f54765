-- The new release no longer knows plan: its INSERTs leave it out. Before the
-- deploy, make it optional, so those INSERTs succeed while the column is still
-- there (catalog-only: DROP NOT NULL scans nothing).
ALTER TABLE customer ALTER COLUMN plan DROP NOT NULL;
