-- new, and used by nothing live: before the deploy
CREATE VIEW recent_orders AS SELECT id FROM orders ORDER BY id DESC LIMIT 10;
