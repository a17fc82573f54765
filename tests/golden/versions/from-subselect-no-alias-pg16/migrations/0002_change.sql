CREATE VIEW user_count AS SELECT * FROM (SELECT count(*) FROM users);
