-- Django writes this around foreign key changes: no lock, no schema change
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS "b_a_id_fkey" DEFERRED;
