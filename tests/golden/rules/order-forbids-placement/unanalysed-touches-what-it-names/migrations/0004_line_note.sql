-- Touches invoice_line, which 0002's DO block names: it stays behind 0002.
SET lock_timeout = '1s';
ALTER TABLE invoice_line ADD COLUMN note text;
