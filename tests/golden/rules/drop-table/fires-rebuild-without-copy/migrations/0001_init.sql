CREATE TABLE device (id serial PRIMARY KEY, username varchar(100) NOT NULL, kid varchar(64) NOT NULL);
CREATE UNIQUE INDEX device_kid_key ON device (kid);
