-- One hazard, one finding: the lock_timeout it lacks is said in it.
DROP INDEX customer_email_idx;
