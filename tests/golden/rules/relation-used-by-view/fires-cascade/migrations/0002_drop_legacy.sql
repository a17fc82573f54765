SET lock_timeout = '1s';
DROP TABLE legacy_orders CASCADE;
DROP VIEW order_totals CASCADE;
