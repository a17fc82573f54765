ALTER TABLE customers ADD COLUMN address text;
