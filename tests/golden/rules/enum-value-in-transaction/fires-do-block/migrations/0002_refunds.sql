-- zdm migrate runs the file in one transaction; PL/pgSQL reads the literal as it runs
ALTER TYPE order_status ADD VALUE 'refunded';
DO $$
BEGIN
    PERFORM 'refunded'::order_status;
END $$;
