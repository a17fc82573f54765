SET lock_timeout = '1s';
-- views follow a rename: nothing stops it
ALTER TABLE orders RENAME TO purchases;
-- both views dropped by one statement: PostgreSQL drops them together
DROP VIEW order_totals, big_spenders;
-- its view dropped first
DROP VIEW legacy_totals;
DROP TABLE legacy_orders;
-- views of this release, dropped with CASCADE: no code reads them yet
CREATE TABLE scratch (id bigint PRIMARY KEY);
CREATE VIEW scratch_ids AS SELECT id FROM scratch;
DROP TABLE scratch CASCADE;
