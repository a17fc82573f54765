-- A materialized view this release creates, indexed and refreshed: nothing
-- live reads it yet, so no finding; it is no table zdm never saw either.
CREATE MATERIALIZED VIEW order_totals AS SELECT id, total FROM orders;
CREATE UNIQUE INDEX order_totals_id ON order_totals (id);
REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;
SET lock_timeout = '1s';
-- A live one: SHARE on the view (a REFRESH waits; its readers do not).
CREATE INDEX order_sums_total ON order_sums (total);
