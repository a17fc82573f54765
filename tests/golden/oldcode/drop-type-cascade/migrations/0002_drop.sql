-- CASCADE drops customer.mood, which the old code reads and writes, under
-- ACCESS EXCLUSIVE on customer: the same as dropping the column.
SET lock_timeout = '1s';
DROP TYPE mood CASCADE;
