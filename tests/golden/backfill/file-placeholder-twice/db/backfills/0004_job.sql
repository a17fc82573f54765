UPDATE customer c SET region = a.region
  FROM address a
 WHERE a.customer_id = c.id AND {{batch}}
   AND c.region IS NULL AND {{batch}};
