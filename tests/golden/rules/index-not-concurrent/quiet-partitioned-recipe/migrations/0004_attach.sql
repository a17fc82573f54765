SET lock_timeout = '1s';
-- ACCESS SHARE on measurement and on the partition; the index becomes valid
-- once the last partition's is attached
ALTER INDEX measurement_sensor_idx ATTACH PARTITION measurement_2025_sensor_id_idx;
ALTER INDEX measurement_sensor_idx ATTACH PARTITION measurement_2026_sensor_id_idx;
