ALTER TABLE executions ADD COLUMN superseded INTEGER;
