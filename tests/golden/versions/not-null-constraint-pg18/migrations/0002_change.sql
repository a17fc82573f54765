SET lock_timeout = '1s';
ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email;
