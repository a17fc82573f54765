ALTER TABLE keto_relation_tuples ADD COLUMN commit_time TIMESTAMP;
