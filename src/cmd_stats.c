/*
 * cmd_stats.c — `zdm stats --database URL`: each table's estimated rows and
 * sizes, read from the catalog with read-only queries, as JSON for
 * `zdm plan/check --stats FILE` (src/analysis/stats.c, docs/stats.md).
 *
 * Only pg_class's estimates and the size functions: no table is scanned, no
 * lock beyond ACCESS SHARE on the catalogs is taken, and the whole read runs
 * in one READ ONLY transaction, so it is safe against production.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "db/db.h"
#include "db/pq.h"
#include "report/report.h"

static const char stats_usage[] =
    "usage: zdm stats --database URL\n"
    "\n"
    "Prints, as JSON, every table's estimated rows (pg_class.reltuples), its size\n"
    "and the size of its indexes, read from the catalog of URL with read-only\n"
    "queries (no table is scanned). Save it and give it to plan or check:\n"
    "\n"
    "  zdm stats --database \"$PROD_URL\" > stats.json\n"
    "  zdm check migrations --stats stats.json\n"
    "\n"
    "  --database URL   the database to read (postgresql://... or key=value)\n";

enum { OPT_DATABASE = CLI_OPT_BASE };

static const struct option stats_options[] = {
    {"database", required_argument, NULL, OPT_DATABASE},
    {NULL, 0, NULL, 0},
};

static int stats_set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    (void)a;
    if (id != OPT_DATABASE)
        return zdm_error(err, NULL, 0, 0, "option --%s is not handled", name);
    *(const char **)ctx = val;
    return 0;
}

const CliCommand cli_stats = {"stats", stats_usage,
                              "table sizes from production, for plan/check --stats (read-only)",
                              stats_options, stats_set};

/* Tables, partitioned tables (their partitions summed: the parent has no
 * storage of its own) and materialized views, outside the system schemas. A
 * never-analysed table has reltuples -1 (PostgreSQL 14+) or 0: rows null. */
static const char stats_sql[] =
    "SELECT n.nspname || '.' || c.relname,"
    "       CASE WHEN c.relkind = 'p' THEN"
    "         (SELECT nullif(sum(greatest(p.reltuples, 0)), 0) FROM pg_partition_tree(c.oid) t"
    "            JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf)"
    "       WHEN c.reltuples < 0 OR (c.reltuples = 0 AND c.relpages = 0 AND c.relallvisible = 0"
    "            AND pg_relation_size(c.oid) > 0) THEN NULL"
    "       ELSE c.reltuples END::float8::text,"
    "       CASE WHEN c.relkind = 'p' THEN"
    "         (SELECT coalesce(sum(pg_table_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)"
    "       ELSE pg_table_size(c.oid) END,"
    "       CASE WHEN c.relkind = 'p' THEN"
    "         (SELECT coalesce(sum(pg_indexes_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)"
    "       ELSE pg_indexes_size(c.oid) END,"
    "       coalesce((SELECT string_agg(x.relname || '=' || pg_relation_size(x.oid), E'\\x1f' ORDER BY x.relname)"
    "                 FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = c.oid), '')"
    "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition"
    "   AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    "   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
    " ORDER BY 1";

int cmd_stats(int argc, char **argv, Arena *a, ZdmError *err)
{
    const char *url = NULL;
    List operands = {0};
    int rc = cli_parse(&cli_stats, argc, argv, &url, &operands, a, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (operands.len)
        return cli_usage_error(&cli_stats, err, "unexpected argument '%s'", (const char *)LIST_GET(&operands, 0));
    if (!url)
        url = getenv("DATABASE_URL");
    if (!url)
        return cli_usage_error(&cli_stats, err, "give --database URL (or set DATABASE_URL)");
    PGconn *conn = db_connect(a, url, err);
    if (!conn)
        return -1;
    PGresult *res = NULL;
    if (db_exec(conn, "BEGIN TRANSACTION READ ONLY", err) < 0 ||
        !(res = db_query(conn, stats_sql, 0, NULL, err))) {
        PQfinish(conn);
        return -1;
    }
    int version = PQserverVersion(conn) / 10000;
    const char *db = arena_strdup(a, PQdb(conn));
    time_t now = time(NULL);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

    ReportJson j;
    report_json_init(&j, stdout);
    report_json_open(&j, '{');
    report_json_key(&j, "format_version");
    report_json_int(&j, 1);
    report_json_key(&j, "pg_version");
    report_json_int(&j, version);
    report_json_key(&j, "database");
    report_json_str(&j, db);
    report_json_key(&j, "taken_at");
    report_json_str(&j, when);
    report_json_key(&j, "tables");
    report_json_open(&j, '[');
    for (int r = 0; r < PQntuples(res); r++) {
        report_json_open(&j, '{');
        report_json_key(&j, "table");
        report_json_str(&j, PQgetvalue(res, r, 0));
        report_json_key(&j, "rows");
        if (PQgetisnull(res, r, 1))
            report_json_null(&j);
        else
            report_json_int(&j, (long)strtod(PQgetvalue(res, r, 1), NULL));
        report_json_key(&j, "table_bytes");
        report_json_int(&j, strtol(PQgetvalue(res, r, 2), NULL, 10));
        report_json_key(&j, "index_bytes");
        report_json_int(&j, strtol(PQgetvalue(res, r, 3), NULL, 10));
        report_json_key(&j, "indexes");
        report_json_open(&j, '{');
        char *list = arena_strdup(a, PQgetvalue(res, r, 4));
        for (char *item = strtok(list, "\x1f"); item; item = strtok(NULL, "\x1f")) {
            char *eq = strrchr(item, '=');
            if (!eq)
                continue;
            *eq = '\0';
            report_json_key(&j, item);
            report_json_int(&j, strtol(eq + 1, NULL, 10));
        }
        report_json_close(&j, '}');
        report_json_close(&j, '}');
    }
    report_json_close(&j, ']');
    report_json_close(&j, '}');
    fputc('\n', stdout);
    PQclear(res);
    PQfinish(conn);
    return 0;
}
