CREATE TABLE line_item (
    order_id bigint NOT NULL,
    position integer,
    sku text NOT NULL
);
