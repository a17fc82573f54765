SET lock_timeout = '1s';
DROP MATERIALIZED VIEW top_customers;
