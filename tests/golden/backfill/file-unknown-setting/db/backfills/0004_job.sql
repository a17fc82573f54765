-- zdm:table customer
-- zdm:batchsize 500
SET address = ''
WHERE address IS NULL;
