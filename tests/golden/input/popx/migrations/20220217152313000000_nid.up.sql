ALTER TABLE keto_relation_tuples ADD COLUMN nid UUID;
