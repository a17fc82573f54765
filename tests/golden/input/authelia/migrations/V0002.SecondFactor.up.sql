ALTER TABLE user_preferences ADD COLUMN second_factor_method VARCHAR(11) NOT NULL DEFAULT '';
