-- Touches invoice only: free to run before the deploy, ahead of 0002.
SET lock_timeout = '1s';
ALTER TABLE invoice ADD COLUMN paid_at timestamptz;
