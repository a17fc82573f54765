CREATE TABLE keto_relation_tuples (shard_id UUID NOT NULL PRIMARY KEY, namespace_id INTEGER NOT NULL, object VARCHAR(64) NOT NULL);
