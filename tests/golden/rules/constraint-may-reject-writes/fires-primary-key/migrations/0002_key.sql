SET lock_timeout = '1s';
-- zdm:allow unique-constraint-builds-index line_item is small
ALTER TABLE line_item ADD PRIMARY KEY (order_id, position);
