/*
 * stats.c — --stats: production's table sizes applied to the findings.
 *
 * The same CREATE INDEX is nothing on 200 rows and an outage on 40 GB. A
 * finding about a statement whose time grows with its table (an index build,
 * a validation scan, a rewrite, a whole-table UPDATE) gets the table's size
 * and an estimate of the time, from rates measured with bench/throughput; on
 * a table under the small-table threshold it becomes a notice. A finding
 * about a lock alone (lock-timeout-missing, drop-index-not-concurrent) gets
 * the size too, but keeps its severity: how long a lock waits depends on the
 * queries holding the table, not on its size.
 */
#include "stats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* MB of table per second, per kind of work, measured by bench/throughput on
 * the development machine's PostgreSQL 15 (2 cores shared with other work,
 * fsync off; 2 M rows, 240 MB; docs/stats.md has the run). Production is
 * often slower (fsync, load, wider rows), so the estimate is printed as an
 * order of magnitude. */
static double rate_mb_s(Cost c)
{
    switch (c) {
    case COST_SCAN: return 400;    /* CHECK / FOREIGN KEY validation, SET NOT NULL: 405-432 */
    case COST_INDEX: return 100;   /* CREATE INDEX on a bigint: scan and sort, 108 */
    case COST_REWRITE: return 15;  /* ALTER COLUMN TYPE: copy, rebuild 2 indexes, 14 (per heap MB) */
    case COST_ROWS: return 3;      /* UPDATE of every row: new versions, index entries, 3 */
    default: return 0;
    }
}

/* Findings whose hazard lasts as long as the statement's work: the ones a
 * small table makes harmless. */
static const char *const size_bound[] = {
    "index-not-concurrent", "reindex-not-concurrent", "unique-constraint-builds-index",
    "constraint-without-not-valid", "validate-in-same-transaction", "set-not-null-scans",
    "add-column-rewrites", "type-change-rewrites", "table-rewrite-command", "exclude-constraint",
    "statements-after-access-exclusive", "whole-table-dml", NULL,
};

/* Findings about a lock on a table: they get the size, not a lower severity. */
static const char *const lock_bound[] = {
    "lock-timeout-missing", "drop-index-not-concurrent", "truncate", NULL,
};

static bool in(const char *const *ids, const char *id)
{
    for (int i = 0; ids[i]; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

long long stats_parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0 && v < 1e15)) /* also refuses NaN */
        return -1;
    while (*end == ' ')
        end++;
    double unit;
    if (!*end || strcmp(end, "B") == 0)
        unit = 1;
    else if (strcmp(end, "kB") == 0 || strcmp(end, "KB") == 0)
        unit = 1024;
    else if (strcmp(end, "MB") == 0)
        unit = 1024.0 * 1024;
    else if (strcmp(end, "GB") == 0)
        unit = 1024.0 * 1024 * 1024;
    else if (strcmp(end, "TB") == 0)
        unit = 1024.0 * 1024 * 1024 * 1024;
    else
        return -1;
    return (long long)(v * unit);
}

const char *stats_size_text(Arena *a, long long bytes)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        return arena_printf(a, "%lld bytes", bytes);
    return arena_printf(a, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static const char *rows_text(Arena *a, double rows)
{
    if (rows < 0)
        return "rows unknown (never analysed)";
    if (rows < 1000)
        return arena_printf(a, "%.0f rows", rows);
    if (rows < 1e6)
        return arena_printf(a, "%.0f k rows", rows / 1e3);
    if (rows < 1e9)
        return arena_printf(a, "%.0f M rows", rows / 1e6);
    return arena_printf(a, "%.1f G rows", rows / 1e9);
}

/* "under a second", "about 4 s", "about 3 min", "about 2 h": an order of
 * magnitude, rounded to one significant figure. */
static const char *duration_text(Arena *a, double s)
{
    if (s < 1)
        return "under a second";
    const char *unit = "s";
    if (s >= 5400) {
        s /= 3600;
        unit = "h";
    } else if (s >= 90) {
        s /= 60;
        unit = "min";
    }
    double mag = 1;
    while (s / mag >= 10)
        mag *= 10;
    return arena_printf(a, "about %.0f %s", (double)(long long)(s / mag + 0.5) * mag, unit);
}

static const char *blocked_text(LockMode m)
{
    if (m == LOCK_ACCESS_EXCLUSIVE)
        return ", reads and writes blocked";
    if (m >= LOCK_SHARE)
        return ", writes blocked";
    return "";
}

static const char *cost_verb(Cost c)
{
    switch (c) {
    case COST_SCAN: return "scans";
    case COST_INDEX: return "builds an index on";
    case COST_REWRITE: return "rewrites";
    case COST_ROWS: return "writes every row of";
    default: return "locks";
    }
}

/* The live table of the statement's costliest action that stats knows, and
 * that action. */
static const TableStats *statement_table(const Statement *s, const Stats *stats, const Action **out)
{
    const TableStats *best = NULL;
    *out = NULL;
    if (!s || !s->fx)
        return NULL;
    for (int i = 0; i < s->fx->actions.len; i++) {
        const Action *ac = LIST_GET(&s->fx->actions, i);
        if (!ac->table || (ac->flags & A_NEW_TABLE))
            continue;
        const TableStats *ts = strmap_get(&stats->tables, ac->table);
        if (!ts)
            continue;
        /* on a tie the largest table: a partitioned table has no rows of its
         * own, its partitions (locked by the same statement) have them */
        if (!best || ac->cost > (*out)->cost || (ac->cost == (*out)->cost && ac->lock > (*out)->lock) ||
            (ac->cost == (*out)->cost && ac->lock == (*out)->lock && ts->table_bytes > best->table_bytes)) {
            best = ts;
            *out = ac;
        }
    }
    return best;
}

void stats_apply(Arena *a, Plan *plan, const Stats *stats, long long small_bytes)
{
    memset(plan->counts, 0, sizeof plan->counts);
    plan->acknowledged = 0;
    for (int i = 0; i < plan->findings.len; i++) {
        Finding *f = LIST_GET(&plan->findings, i);
        bool sized = in(size_bound, f->rule->id);
        if ((sized || in(lock_bound, f->rule->id)) && f->stmt) {
            const Action *ac;
            const TableStats *ts = statement_table(f->stmt, stats, &ac);
            if (ts) {
                long long bytes = ts->table_bytes + (ac->cost == COST_REWRITE ? ts->index_bytes : 0);
                const char *size = arena_printf(a, "%s \u2248 %s, %s", catalog_display(ts->table),
                                                rows_text(a, ts->rows), stats_size_text(a, ts->table_bytes));
                const char *est;
                if (sized && rate_mb_s(ac->cost) > 0) {
                    double secs = (double)bytes / (1024.0 * 1024) / rate_mb_s(ac->cost);
                    est = arena_printf(a, "%s %s: %s%s", cost_verb(ac->cost), size, duration_text(a, secs),
                                       blocked_text(ac->lock));
                } else {
                    est = arena_printf(a, "%s %s", cost_verb(COST_CATALOG), size);
                }
                bool small = sized && ts->table_bytes + ts->index_bytes < small_bytes;
                f->message = arena_printf(a, "%s [stats: %s%s]", f->message, est,
                                          small ? arena_printf(a, "; under the small-table threshold (%s): "
                                                                  "a notice",
                                                               stats_size_text(a, small_bytes))
                                                : "");
                if (small)
                    f->severity = SEV_NOTICE;
            }
        }
        if (f->acknowledged)
            plan->acknowledged++;
        else
            plan->counts[f->severity]++;
    }
}

void stats_add(Arena *a, Stats *s, TableStats *ts)
{
    strmap_put(a, &s->tables, ts->table, ts);
    list_push(a, &s->list, ts);
    s->ntables++;
}

static int json_error(ZdmError *err, const char *path, const char *text, const char *at, const char *what)
{
    int line = 1, col = 1;
    for (const char *p = text; at && p < at && *p; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return zdm_error(err, path, at ? line : 0, at ? col : 0, "%s", what);
}

int stats_load(Arena *a, const char *path, Stats *out, ZdmError *err)
{
    size_t len;
    char *text = util_read_file(a, path, &len, err);
    if (!text)
        return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root)
        return json_error(err, path, text, end ? end : cJSON_GetErrorPtr(),
                          "--stats: not JSON (a file `zdm stats --database URL` writes)");
    int rc = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    const cJSON *tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
    if (!cJSON_IsNumber(v) || v->valueint != 1 || !cJSON_IsArray(tables)) {
        rc = zdm_error(err, path, 0, 0,
                       "--stats: expected {\"format_version\": 1, \"tables\": [...]}, as `zdm stats` writes");
        goto done;
    }
    memset(out, 0, sizeof *out);
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(root, "pg_version");
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(root, "database");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(root, "taken_at");
    out->pg_version = cJSON_IsNumber(pv) ? pv->valueint : 0;
    out->database = cJSON_IsString(db) ? arena_strdup(a, db->valuestring) : NULL;
    out->taken_at = cJSON_IsString(at) ? arena_strdup(a, at->valuestring) : NULL;
    const cJSON *t;
    int k = 0;
    cJSON_ArrayForEach(t, tables) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "table");
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(t, "rows");
        const cJSON *tb = cJSON_GetObjectItemCaseSensitive(t, "table_bytes");
        const cJSON *ib = cJSON_GetObjectItemCaseSensitive(t, "index_bytes");
        if (!cJSON_IsString(name) || !strchr(name->valuestring, '.') || !cJSON_IsNumber(tb) ||
            !cJSON_IsNumber(ib) || !(cJSON_IsNumber(rows) || cJSON_IsNull(rows))) {
            rc = zdm_error(err, path, 0, 0,
                           "--stats: tables[%d] needs \"table\" (schema.name), \"rows\" (a number or null), "
                           "\"table_bytes\" and \"index_bytes\"", k);
            goto done;
        }
        TableStats *ts = arena_alloc(a, sizeof *ts);
        ts->table = arena_strdup(a, name->valuestring);
        ts->rows = cJSON_IsNull(rows) ? -1 : rows->valuedouble;
        ts->table_bytes = (long long)tb->valuedouble;
        ts->index_bytes = (long long)ib->valuedouble;
        stats_add(a, out, ts);
        k++;
    }
done:
    cJSON_Delete(root);
    return rc;
}
