SET lock_timeout = '1s';
-- builds the index on each partition under SHARE: writes to measurement wait
CREATE INDEX measurement_sensor_idx ON measurement (sensor_id) WHERE sensor_id IS NOT NULL;
