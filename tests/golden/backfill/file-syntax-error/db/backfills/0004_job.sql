-- zdm:table customer
SET first_name = split_part(name, ' ', 1),
    last_name = split_part(name, ' ' 2)
WHERE first_name IS NULL;
