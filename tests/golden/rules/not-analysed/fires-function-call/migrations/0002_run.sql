SET lock_timeout = '1s';
-- a function the migrations created runs its body: zdm does not follow it
SELECT archive_orders('2020-01-01');
-- the other statements of the migration are analysed as usual
SELECT count(*) FROM orders WHERE id = 1;
SELECT app.noop();
DROP FUNCTION app.noop();
-- a function the history never created (an extension's, a built-in) is not flagged
SELECT pg_catalog.set_config('search_path', 'public', false);
