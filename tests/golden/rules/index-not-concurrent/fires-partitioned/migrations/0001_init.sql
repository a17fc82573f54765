CREATE TABLE measurement (
    id bigint NOT NULL,
    taken_on date NOT NULL,
    sensor_id bigint,
    reading numeric
) PARTITION BY RANGE (taken_on);
CREATE TABLE measurement_2025 PARTITION OF measurement FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measurement_2026 (LIKE measurement);
ALTER TABLE measurement ATTACH PARTITION measurement_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
