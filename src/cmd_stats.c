/*
 * cmd_stats.c — `zdm stats --database URL`: each table's estimated rows and
 * sizes, read from the catalog with read-only queries, as JSON for
 * `zdm plan/check --stats FILE` (src/analysis/stats.c, docs/stats.md).
 *
 * The query (read-only, no table scanned) is db_read_sizes's, which
 * plan/check --database run too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/stats.h"
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
    "(plan and check --database URL, without --stats, read the same figures\n"
    "live from that database.)\n"
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
    Stats st;
    int read = db_read_sizes(a, conn, &st, err);
    PQfinish(conn);
    if (read < 0)
        return -1;

    ReportJson j;
    report_json_init(&j, stdout);
    report_json_open(&j, '{');
    report_json_key(&j, "format_version");
    report_json_int(&j, 1);
    report_json_key(&j, "pg_version");
    report_json_int(&j, st.pg_version);
    report_json_key(&j, "database");
    report_json_str(&j, st.database);
    report_json_key(&j, "taken_at");
    report_json_str(&j, st.taken_at);
    report_json_key(&j, "tables");
    report_json_open(&j, '[');
    for (int r = 0; r < st.list.len; r++) {
        const TableStats *ts = LIST_GET(&st.list, r);
        report_json_open(&j, '{');
        report_json_key(&j, "table");
        report_json_str(&j, ts->table);
        report_json_key(&j, "rows");
        if (ts->rows < 0)
            report_json_null(&j);
        else
            report_json_int(&j, (long)ts->rows);
        report_json_key(&j, "table_bytes");
        report_json_int(&j, (long)ts->table_bytes);
        report_json_key(&j, "index_bytes");
        report_json_int(&j, (long)ts->index_bytes);
        report_json_key(&j, "indexes");
        report_json_open(&j, '{');
        for (int i = 0; i < ts->indexes.len; i++) {
            const IndexStats *ix = LIST_GET(&ts->indexes, i);
            report_json_key(&j, ix->name);
            report_json_int(&j, (long)ix->bytes);
        }
        report_json_close(&j, '}');
        report_json_close(&j, '}');
    }
    report_json_close(&j, ']');
    report_json_close(&j, '}');
    fputc('\n', stdout);
    return 0;
}
