CREATE TABLE keto_relation_tuples (shard_id CHAR(36) NOT NULL PRIMARY KEY);
