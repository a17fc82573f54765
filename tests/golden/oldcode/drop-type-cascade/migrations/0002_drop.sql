-- CASCADE drops customer.mood, which the old code reads and writes, under
-- ACCESS EXCLUSIVE on customer: zdm does not follow it yet
-- (tests/integration/oldcode.known, locks.known).
SET lock_timeout = '1s';
DROP TYPE mood CASCADE;
