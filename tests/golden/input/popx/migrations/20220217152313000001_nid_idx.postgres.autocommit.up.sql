CREATE INDEX CONCURRENTLY keto_relation_tuples_nid_idx ON keto_relation_tuples (nid);
