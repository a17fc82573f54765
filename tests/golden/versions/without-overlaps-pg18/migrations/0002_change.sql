SET lock_timeout = '1s';
ALTER TABLE users ADD CONSTRAINT users_email_during UNIQUE (email, valid_at WITHOUT OVERLAPS);
