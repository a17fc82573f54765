CREATE TABLE teams (id bigint PRIMARY KEY);
CREATE TABLE users (id bigint PRIMARY KEY, team_id bigint CONSTRAINT users_team_fk REFERENCES teams);
