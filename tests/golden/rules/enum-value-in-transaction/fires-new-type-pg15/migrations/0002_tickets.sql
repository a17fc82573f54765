-- the type is this transaction's too: PostgreSQL 17 and later allow it (15 refuses)
BEGIN;
CREATE TYPE ticket_state AS ENUM ('open');
CREATE TABLE tickets (id bigint PRIMARY KEY, state ticket_state NOT NULL);
ALTER TYPE ticket_state ADD VALUE 'closed';
INSERT INTO tickets VALUES (1, 'closed');
COMMIT;
