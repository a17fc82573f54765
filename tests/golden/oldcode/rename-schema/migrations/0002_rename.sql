-- Every query of the old code on app.thing now fails: zdm does not follow
-- a schema's rename yet (tests/integration/oldcode.known).
ALTER SCHEMA app RENAME TO application;
