SET lock_timeout = '1s';
-- Row security: ACCESS EXCLUSIVE on the table until commit.
CREATE POLICY invoice_owner ON invoice USING (owner = current_user);
ALTER POLICY invoice_owner ON invoice USING (owner = session_user);
