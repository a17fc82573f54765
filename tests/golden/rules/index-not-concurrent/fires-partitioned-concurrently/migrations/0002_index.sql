-- PostgreSQL refuses CONCURRENTLY on a partitioned table: the migration fails
CREATE INDEX CONCURRENTLY measurement_sensor_idx ON measurement (sensor_id);
