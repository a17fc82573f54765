-- zdm:table customer
SET address = '' WHERE address IS NULL;
SET plan = 'free' WHERE plan IS NULL;
