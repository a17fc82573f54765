/*
 * rule_table.c — every rule zdm knows: its stable id, default severity and a
 * one-line summary. Each id has a page docs/rules/<id>.md and golden tests
 * under tests/golden/<id>/ (tests/run checks both exist).
 */
#include <string.h>

#include "analysis.h"

const Rule analysis_rules[] = {
    /* Deploy plan: compatibility of old and new code with each schema state. */
    {"needs-two-releases", SEV_ERROR,
     "the migration breaks old code if run before the deploy and new code if run after it"},
    {"breaks-new-code", SEV_ERROR,
     "at the deploy the schema still holds something the new code cannot work with"},
    {"breaks-old-code", SEV_ERROR,
     "a migration forced before the deploy breaks the old code still serving"},
    {"order-forbids-placement", SEV_ERROR,
     "a migration cannot move past an earlier one that touches the same objects"},
    {"constraint-may-reject-writes", SEV_WARNING,
     "a new constraint may reject writes the old code still makes"},
    {"type-change-cached-plans", SEV_NOTICE,
     "ALTER COLUMN TYPE changes what queries return: statements prepared before it fail once"},
    /* Locks and costs of single statements. */
    {"index-not-concurrent", SEV_ERROR,
     "CREATE INDEX without CONCURRENTLY blocks writes to a live table"},
    {"concurrently-in-transaction", SEV_ERROR,
     "CONCURRENTLY cannot run inside a transaction block"},
    {"drop-index-not-concurrent", SEV_WARNING,
     "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table"},
    {"reindex-not-concurrent", SEV_WARNING,
     "REINDEX without CONCURRENTLY blocks writes (and reads using the index)"},
    {"unique-constraint-builds-index", SEV_ERROR,
     "ADD PRIMARY KEY / UNIQUE builds its index under ACCESS EXCLUSIVE"},
    {"constraint-without-not-valid", SEV_ERROR,
     "ADD CHECK / FOREIGN KEY without NOT VALID scans the table under lock"},
    {"validate-in-same-transaction", SEV_WARNING,
     "VALIDATE CONSTRAINT in the transaction that holds the ACCESS EXCLUSIVE lock"},
    {"set-not-null-scans", SEV_ERROR,
     "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE"},
    {"add-column-not-null-no-default", SEV_ERROR,
     "ADD COLUMN NOT NULL without a default fails on a table with rows"},
    {"add-column-rewrites", SEV_ERROR,
     "ADD COLUMN with a volatile default, serial, identity or stored generated column rewrites the table"},
    {"type-change-rewrites", SEV_ERROR,
     "ALTER COLUMN TYPE rewrites the table under ACCESS EXCLUSIVE"},
    {"type-change-narrows", SEV_WARNING,
     "ALTER COLUMN TYPE narrows the column: values the old code writes may no longer fit"},
    {"column-used-by-view", SEV_ERROR,
     "ALTER COLUMN TYPE or DROP COLUMN of a column a view reads fails (or drops the view)"},
    {"relation-used-by-view", SEV_ERROR,
     "DROP TABLE or DROP VIEW of a relation a view reads fails (or drops the view)"},
    {"not-null-required", SEV_ERROR,
     "a primary key or identity column that is not NOT NULL fails (DROP NOT NULL, ADD IDENTITY)"},
    {"rename-column", SEV_ERROR, "renaming a column breaks the code that uses the old name"},
    {"rename-table", SEV_ERROR, "renaming a table breaks the code that uses the old name"},
    {"rename-enum-value", SEV_ERROR, "renaming an enum value breaks the code that writes the old value"},
    {"drop-column", SEV_WARNING, "dropping a column loses its data and breaks code that still uses it"},
    {"drop-table", SEV_WARNING, "dropping a table loses its data and breaks code that still uses it"},
    {"drop-schema", SEV_ERROR, "dropping a schema drops everything in it"},
    {"drop-database", SEV_ERROR, "dropping a database in a migration"},
    {"drop-constraint", SEV_NOTICE, "dropping a constraint lets rows in that it used to keep out"},
    {"truncate", SEV_ERROR, "TRUNCATE empties a live table under ACCESS EXCLUSIVE"},
    {"table-rewrite-command", SEV_ERROR,
     "VACUUM FULL, CLUSTER and SET TABLESPACE rewrite the table under ACCESS EXCLUSIVE"},
    {"exclude-constraint", SEV_WARNING,
     "ADD EXCLUDE builds its index under ACCESS EXCLUSIVE, with no concurrent alternative"},
    {"lock-timeout-missing", SEV_WARNING,
     "a strong lock without lock_timeout queues every query behind it"},
    {"statements-after-access-exclusive", SEV_WARNING,
     "slow statements run while an ACCESS EXCLUSIVE lock is held"},
    {"unbalanced-transaction", SEV_ERROR, "BEGIN without COMMIT, or COMMIT without BEGIN"},
    {"whole-table-dml", SEV_WARNING,
     "UPDATE or DELETE of a whole live table inside a migration"},
    {"enum-value-in-transaction", SEV_ERROR,
     "a value ALTER TYPE ... ADD VALUE added is used in the same transaction (unsafe use of new value)"},
    /* Django migrations (src/django): Python code has no SQL to judge. */
    {"run-python-data-migration", SEV_WARNING,
     "RunPython changes data inside the migration instead of a repeatable backfill"},
    {"run-python-with-schema-changes", SEV_ERROR,
     "RunPython runs while the same transaction holds a schema change's lock on a live table"},
    {"not-analysed", SEV_WARNING, "zdm cannot see what this statement does"},
    {"django-assumed", SEV_NOTICE,
     "zdm assumed what a Django field class or model reference it does not know stands for"},
    {"unknown-object", SEV_NOTICE,
     "the history never created this object: zdm takes it as existing"},
    {NULL, 0, NULL},
};

const Rule *rule_find(const char *id)
{
    for (const Rule *r = analysis_rules; r->id; r++)
        if (strcmp(r->id, id) == 0)
            return r;
    return NULL;
}
