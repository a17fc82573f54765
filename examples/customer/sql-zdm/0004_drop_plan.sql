-- We decided we don't need the plan any more. Only the new code, which does
-- not know the column, runs by now: zdm plan puts this after the deploy.
ALTER TABLE customer DROP COLUMN plan;
