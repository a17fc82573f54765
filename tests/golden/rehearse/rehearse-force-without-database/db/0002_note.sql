ALTER TABLE customer ADD COLUMN note text;
