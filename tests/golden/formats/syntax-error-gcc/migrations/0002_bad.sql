ALTER TABLE customer ADD COLUMN email text;
ALTER TABLE customer ADD COLUMNN phone text;
