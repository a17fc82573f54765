-- captured
SELECT id FROM customer
