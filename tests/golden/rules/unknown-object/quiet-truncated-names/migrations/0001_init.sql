-- Names PostgreSQL makes for what is created without one, cut to 63 bytes
-- (the longer of the table and column parts gives way, never the label)
-- and numbered when taken.
CREATE TABLE customer_loyalty_programme_membership_history_archive (
    id bigint PRIMARY KEY,
    external_reference_identifier_from_partner_system text UNIQUE,
    customer_id bigint,
    points integer CHECK (points >= 0),
    email text,
    nickname text
);
CREATE INDEX ON customer_loyalty_programme_membership_history_archive (customer_id);
CREATE INDEX ON customer_loyalty_programme_membership_history_archive (customer_id);
CREATE INDEX ON customer_loyalty_programme_membership_history_archive (lower(email), lower(nickname));
CREATE INDEX ON customer_loyalty_programme_membership_history_archive ((points::text)) INCLUDE (email);
CREATE TABLE customer (id bigint PRIMARY KEY);
-- two tables whose names agree on their first 46 bytes: their foreign keys'
-- names agree once cut, so the second is numbered
CREATE TABLE customer_loyalty_programme_membership_history_alpha (id bigint, customer_id bigint REFERENCES customer);
CREATE TABLE customer_loyalty_programme_membership_history_bravo (id bigint, customer_id bigint REFERENCES customer);
-- cut between characters, not inside one (ä is two bytes)
CREATE TABLE "kundenbindungsprogramm_mitgliedschaftsverlauf_änderungen_archiv" (id bigint PRIMARY KEY);
-- an explicit name longer than 63 bytes is cut too, as PostgreSQL reads it
CREATE INDEX customer_loyalty_programme_membership_history_archive_email_lower_idx
    ON customer_loyalty_programme_membership_history_archive (email);
