CREATE TABLE line_item (
    order_id bigint NOT NULL,
    position integer,
    sku text NOT NULL
);
ALTER TABLE line_item ALTER COLUMN position SET NOT NULL;
ALTER TABLE line_item ADD CONSTRAINT line_item_order_position UNIQUE (order_id, position);
