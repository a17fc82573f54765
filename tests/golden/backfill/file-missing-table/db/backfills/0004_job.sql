-- Fill the address.
SET address = ''
WHERE address IS NULL;
