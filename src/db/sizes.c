/*
 * sizes.c — every table's estimated rows and sizes, read from the catalog:
 * what `zdm stats` prints and what plan/check --database apply to their
 * findings without a file (src/analysis/stats.c, docs/stats.md).
 *
 * Only pg_class's estimates and the size functions: no table is scanned, no
 * lock beyond ACCESS SHARE on the catalogs is taken, and the read runs in a
 * READ ONLY transaction, so it is safe against production. One query for
 * both commands, so the file and the live read cannot disagree.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../analysis/stats.h"
#include "db.h"

/* Tables, partitioned tables (their partitions summed: the parent has no
 * storage of its own) and materialized views, outside the system schemas. A
 * never-analysed table has reltuples -1 (PostgreSQL 14+) or 0: rows null. */
static const char sizes_sql[] =
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

int db_read_sizes(Arena *a, PGconn *conn, Stats *out, ZdmError *err)
{
    memset(out, 0, sizeof *out);
    PGresult *res = NULL;
    if (db_exec(conn, "BEGIN TRANSACTION READ ONLY", err) < 0)
        return -1;
    if (!(res = db_query(conn, sizes_sql, 0, NULL, err))) {
        ZdmError ignore = {0};
        db_exec(conn, "ROLLBACK", &ignore);
        return -1;
    }
    out->pg_version = PQserverVersion(conn) / 10000;
    out->database = arena_strdup(a, PQdb(conn));
    time_t now = time(NULL);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    out->taken_at = arena_strdup(a, when);
    for (int r = 0; r < PQntuples(res); r++) {
        TableStats *ts = arena_alloc(a, sizeof *ts);
        ts->table = arena_strdup(a, PQgetvalue(res, r, 0));
        ts->rows = PQgetisnull(res, r, 1) ? -1 : strtod(PQgetvalue(res, r, 1), NULL);
        ts->table_bytes = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        ts->index_bytes = strtoll(PQgetvalue(res, r, 3), NULL, 10);
        char *list = arena_strdup(a, PQgetvalue(res, r, 4));
        char *save = NULL;
        for (char *item = strtok_r(list, "\x1f", &save); item; item = strtok_r(NULL, "\x1f", &save)) {
            char *eq = strrchr(item, '='); /* an index's name may hold '=': the size is after the last */
            if (!eq)
                continue;
            *eq = '\0';
            IndexStats *ix = arena_alloc(a, sizeof *ix);
            ix->name = item;
            ix->bytes = strtoll(eq + 1, NULL, 10);
            list_push(a, &ts->indexes, ix);
        }
        stats_add(a, out, ts);
    }
    PQclear(res);
    return db_exec(conn, "ROLLBACK", err);
}
