SET lock_timeout = '1s';
ALTER TABLE executions ADD COLUMN state INTEGER;
