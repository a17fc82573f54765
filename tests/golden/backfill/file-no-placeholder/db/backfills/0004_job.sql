-- zdm:check c.region IS NULL
UPDATE customer c SET region = a.region
  FROM address a
 WHERE a.customer_id = c.id AND c.region IS NULL;
