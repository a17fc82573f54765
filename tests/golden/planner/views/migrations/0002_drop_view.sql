SET lock_timeout = '1s';
-- the old code still reads it: after the deploy
DROP VIEW big_orders;
