-- Replacing a view that exists: ACCESS EXCLUSIVE on it (and ACCESS SHARE on
-- what it reads); creating a new one with OR REPLACE locks only its sources.
CREATE OR REPLACE VIEW open_invoice AS SELECT id, total, paid FROM invoice WHERE NOT paid;
CREATE OR REPLACE VIEW paid_invoice AS SELECT id, total FROM invoice WHERE paid;
