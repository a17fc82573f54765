CREATE TABLE events (
    id bigint NOT NULL,
    happened_at timestamptz NOT NULL,
    payload jsonb
) PARTITION BY RANGE (happened_at);
CREATE TABLE events_2025 (
    id bigint NOT NULL,
    happened_at timestamptz NOT NULL,
    payload jsonb
);
