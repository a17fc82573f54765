SET lock_timeout = '2s';
-- EXPLAIN plans its query: it locks what the query reads, and a DML target as a write would
EXPLAIN SELECT a.id FROM accounts a JOIN regions r ON r.name = a.region;
EXPLAIN UPDATE accounts SET balance = 0 WHERE region IN (SELECT name FROM regions);
-- EXPLAIN ANALYZE runs it
EXPLAIN (ANALYZE, COSTS off) SELECT name FROM regions WHERE false;
EXPLAIN (ANALYZE false) DELETE FROM accounts;
