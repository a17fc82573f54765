SET lock_timeout = '1s';
-- The same type again changes nothing a query returns.
ALTER TABLE orders ALTER COLUMN reference TYPE varchar(32);
-- A column the old code does not know: none of its statements read it.
ALTER TABLE orders ADD COLUMN code varchar(8);
ALTER TABLE orders ALTER COLUMN code TYPE varchar(16);
-- A table of this release: the old code has no statement on it.
CREATE TABLE refund (id bigint PRIMARY KEY, reason varchar(32));
ALTER TABLE refund ALTER COLUMN reason TYPE text;
