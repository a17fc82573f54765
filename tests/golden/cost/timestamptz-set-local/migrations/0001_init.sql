CREATE TABLE events (
    id bigint PRIMARY KEY,
    happened_at timestamp NOT NULL,
    seen_at timestamp,
    closed_at timestamptz
);
CREATE INDEX events_happened_at_idx ON events (happened_at);
