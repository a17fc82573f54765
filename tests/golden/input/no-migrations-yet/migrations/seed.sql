INSERT INTO app_user (name) VALUES ('admin');
