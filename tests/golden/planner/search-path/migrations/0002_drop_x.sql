-- the old code still reads x
ALTER TABLE a DROP COLUMN x;
