-- a new path changes what every later name means: it may not pass 0002
CREATE SCHEMA app;
SET search_path TO app, public;
CREATE TABLE c (id int PRIMARY KEY);
