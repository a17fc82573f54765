-- The old code does not know referrer_id: its writes leave it NULL, which the
-- key never rejects.
SET lock_timeout = '1s';
ALTER TABLE customer ADD COLUMN referrer_id bigint;
ALTER TABLE customer ADD CONSTRAINT customer_referrer_fk FOREIGN KEY (referrer_id) REFERENCES customer (id) NOT VALID;
