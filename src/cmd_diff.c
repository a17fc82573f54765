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
#include "report/report.h"
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
    "  --pg-version N     with --against: the version the replay assumes (default 18)\n"
    "  --format FORMAT    text (default) or json (docs/json.md)\n";

static int load(Arena *a, const char *path, History *h, ZdmError *err)
{
    char *paths[] = {(char *)path};
    h->allow_empty = true; /* no migrations yet: the schema is empty */
    if (source_load(a, paths, 1, h, err) < 0)
        return -1;
    if (sql_parse_history(a, h, err) < 0)
        return -1;
    return 0;
}

enum { OPT_DATABASE = CLI_OPT_BASE, OPT_AGAINST, OPT_PG_VERSION, OPT_FORMAT };

static const struct option diff_options[] = {
    {"database", required_argument, NULL, OPT_DATABASE},
    {"against", required_argument, NULL, OPT_AGAINST},
    {"pg-version", required_argument, NULL, OPT_PG_VERSION},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

typedef struct DiffOptions {
    const char *url, *against;
    int pg_version;
    bool pg_given;
    bool json;
} DiffOptions;

static int diff_set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    (void)a;
    DiffOptions *o = ctx;
    if (id == OPT_DATABASE) {
        o->url = val;
    } else if (id == OPT_AGAINST) {
        o->against = val;
    } else if (id == OPT_PG_VERSION) {
        if ((o->pg_version = sql_pg_version_arg(val, err)) < 0)
            return -1;
        o->pg_given = true;
    } else if (id == OPT_FORMAT) {
        if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0)
            return zdm_error(err, NULL, 0, 0, "--format takes text or json, not '%s'", val);
        o->json = strcmp(val, "json") == 0;
    } else {
        return zdm_error(err, NULL, 0, 0, "option --%s is not handled", name);
    }
    return 0;
}

const CliCommand cli_diff = {"diff", diff_usage, "live schema vs the schema the migrations describe",
                             diff_options, diff_set};

static int diff(DiffOptions *po, int argc, char **argv, Arena *a, ZdmError *err)
{
    DiffOptions o = *po;
    List paths = {0};
    int rc = cli_parse(&cli_diff, argc, argv, &o, &paths, a, err);
    po->json = o.json;
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (paths.len == 0)
        return cli_usage_error(&cli_diff, err, "no migrations given");
    if (paths.len > 1)
        return cli_usage_error(&cli_diff, err, "give one migrations path");
    const char *url = o.url, *against = o.against, *path = LIST_GET(&paths, 0);
    int pg_version = o.pg_version;
    bool pg_given = o.pg_given;
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
    if (o.json) {
        /* docs/json.md, "zdm diff": the same lines, and which side is which */
        ReportJson j;
        report_json_init(&j, stdout);
        report_json_open(&j, '{');
        report_json_key(&j, "format_version");
        report_json_int(&j, 1);
        report_json_key(&j, "left");
        report_json_str(&j, left_label);
        report_json_key(&j, "right");
        report_json_str(&j, right_label);
        report_json_key(&j, "differences");
        report_json_open(&j, '[');
        for (int i = 0; i < lines.len; i++)
            report_json_str(&j, LIST_GET(&lines, i));
        report_json_close(&j, ']');
        report_json_close(&j, '}');
        return n ? 1 : 0;
    }
    for (int i = 0; i < lines.len; i++)
        printf("%s\n", (const char *)LIST_GET(&lines, i));
    fflush(stdout);
    if (n == 0)
        fprintf(stderr, "zdm: no differences\n");
    else
        fprintf(stderr, "zdm: %d difference%s\n", n, n == 1 ? "" : "s");
    return n ? 1 : 0;
}

int cmd_diff(int argc, char **argv, Arena *a, ZdmError *err)
{
    DiffOptions o = {.pg_version = SQL_PG_NEWEST};
    return commands_json_failure(diff(&o, argc, argv, a, err), o.json, argc, argv, err);
}
