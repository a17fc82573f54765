SET lock_timeout = '1s';
CREATE INDEX CONCURRENTLY measurement_2025_sensor_id_idx ON measurement_2025 (sensor_id);
CREATE INDEX CONCURRENTLY measurement_2026_sensor_id_idx ON measurement_2026 (sensor_id);
