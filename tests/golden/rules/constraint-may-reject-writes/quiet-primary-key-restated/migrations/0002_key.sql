SET lock_timeout = '1s';
-- The key says what NOT NULL and the UNIQUE constraint already enforce.
-- zdm:allow unique-constraint-builds-index line_item is small
ALTER TABLE line_item ADD PRIMARY KEY (order_id, position, sku);
