CREATE TABLE keto_relation_tuples (shard_id TEXT NOT NULL PRIMARY KEY);
