CREATE INDEX app_user_name_idx ON app_user (name);
