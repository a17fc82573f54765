/*
 * cmd_diff.c — `zdm diff`: the schema the migrations describe against the
 * live one (or against the schema of another migration set, --against).
 * One difference per line on stdout, sorted; a count on stderr; exit 1 when
 * there is any difference.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/diff.h"
#include "commands.h"
#include "db/db.h"
#include "sql/sql.h"

static const char diff_usage[] =
    "usage: zdm diff PATH [--database URL]\n"
    "       zdm diff PATH --against OTHER_PATH\n"
    "\n"
    "Replays every migration of PATH and compares the schema it ends with to the\n"
    "live database (or to the schema OTHER_PATH's migrations end with): tables,\n"
    "columns (type, nullability, default, identity), constraints, indexes (and\n"
    "INVALID ones), views, sequences, enums, schemas. One difference per line:\n"
    "\n"
    "  column public.orders.note: type text in the migrations, varchar(200) in the database\n"
    "  index public.orders_customer_idx: only in the database\n"
    "\n"
    "Exit 0 when the schemas match, 1 when they differ.\n"
    "\n"
    "  --database URL     default: DATABASE_URL, else libpq's PG* variables\n"
    "  --against PATH     compare with another migration set; no database\n"
    "  --pg-version N     with --against: the version the replay assumes (default 15)\n";

static int load(Arena *a, const char *path, History *h, ZdmError *err)
{
    char *paths[] = {(char *)path};
    if (source_load(a, paths, 1, h, err) < 0)
        return -1;
    if (sql_parse_history(a, h, err) < 0)
        return -1;
    return 0;
}

int cmd_diff(int argc, char **argv, Arena *a, ZdmError *err)
{
    const char *url = NULL, *against = NULL, *path = NULL;
    int pg_version = 15;
    bool pg_given = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        static const char *const valued[] = {"--database", "--against", "--pg-version", NULL};
        const char *name, *val;
        if (util_next_arg(a, argc, argv, &i, valued, "diff", &name, &val, err) < 0)
            return -1;
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            fputs(diff_usage, stdout);
            return 0;
        } else if (strcmp(name, "--database") == 0) {
            url = val;
        } else if (strcmp(name, "--against") == 0) {
            against = val;
        } else if (strcmp(name, "--pg-version") == 0) {
            char *end;
            long v = strtol(val, &end, 10);
            if (*end || v < 11 || v > 17)
                return zdm_error(err, NULL, 0, 0, "--pg-version takes 11 to 17, not '%s'", val);
            pg_version = (int)v;
            pg_given = true;
        } else if (arg[0] == '-' && arg[1]) {
            return zdm_error(err, NULL, 0, 0, "unknown option '%s'\n\n%s", arg, diff_usage);
        } else if (path) {
            return zdm_error(err, NULL, 0, 0, "give one migrations path\n\n%s", diff_usage);
        } else {
            path = arg;
        }
    }
    if (!path)
        return zdm_error(err, NULL, 0, 0, "no migrations given\n\n%s", diff_usage);
    if (against && url)
        return zdm_error(err, NULL, 0, 0, "--against compares two migration sets: it takes no --database");

    History h = {0};
    if (load(a, path, &h, err) < 0)
        return -1;
    Catalog *left = NULL, *right = NULL;
    const char *left_label, *right_label;
    List lines = {0};
    if (against) {
        History other = {0};
        if (load(a, against, &other, err) < 0)
            return -1;
        left_label = path;
        right_label = against;
        left = catalog_of_history(a, &h, pg_version, err);
        right = left ? catalog_of_history(a, &other, pg_version, err) : NULL;
    } else {
        PGconn *conn = db_connect(a, url, err);
        if (!conn)
            return -1;
        if (!pg_given)
            pg_version = db_pg_version(conn);
        left_label = "the migrations";
        right_label = "the database";
        right = db_introspect(conn, err);
        PQfinish(conn);
        left = right ? catalog_of_history(a, &h, pg_version, err) : NULL;
    }
    int n = left && right ? catalog_diff(a, left, right, left_label, right_label, &lines) : -1;
    catalog_free(left);
    catalog_free(right);
    if (n < 0)
        return -1;
    for (int i = 0; i < lines.len; i++)
        printf("%s\n", (const char *)LIST_GET(&lines, i));
    fflush(stdout);
    if (n == 0)
        fprintf(stderr, "zdm: no differences\n");
    else
        fprintf(stderr, "zdm: %d difference%s\n", n, n == 1 ? "" : "s");
    return n ? 1 : 0;
}
