SET lock_timeout = '1s';
-- the parent's index alone: catalog-only, SHARE on measurement for a moment
CREATE INDEX measurement_sensor_idx ON ONLY measurement (sensor_id);
