INSERT INTO app_user VALUES (1, 'admin');
