-- Every query of the old code on app.thing fails from the commit on, and
-- the new code's on application.thing until it runs: a rename, so two
-- releases. PostgreSQL locks no relation for it.
ALTER SCHEMA app RENAME TO application;
