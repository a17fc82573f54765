SET lock_timeout = '1s';
-- old code reads order_totals, new code reads totals: no single deploy works
ALTER VIEW order_totals RENAME TO totals;
