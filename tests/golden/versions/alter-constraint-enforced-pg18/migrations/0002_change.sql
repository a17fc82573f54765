SET lock_timeout = '1s';
ALTER TABLE users ALTER CONSTRAINT users_team_fk NOT ENFORCED;
ALTER TABLE users ALTER CONSTRAINT users_team_fk ENFORCED;
