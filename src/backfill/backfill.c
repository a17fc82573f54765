/*
 * backfill.c — `zdm backfill` against the database: runs a job in batches,
 * records its progress, shows it, and answers zdm migrate's question "is this
 * job done?".
 *
 * The contract (docs/backfill.md):
 *  - The job walks the table's primary key upwards, from the first key to
 *    the last one that existed when the job started (its upper bound, fixed
 *    then and kept in zdm_backfills). Rows written above it later are the
 *    new code's (or a trigger's) to fill; the final count says how many.
 *  - A batch is two statements in autocommit. The first, read-only, finds
 *    where the batch ends (the n-th key after the last one done). The
 *    second is the batch: one statement, so one transaction, which locks the
 *    range's rows that still match (FOR NO KEY UPDATE SKIP LOCKED), updates
 *    them, records the range's rows another session holds in
 *    zdm_backfill_skipped and moves the job's last key. It commits entirely
 *    or not at all, so a job killed anywhere resumes after the last batch
 *    that committed and updates no row twice.
 *  - The skipped rows are retried at the end, with SKIP LOCKED again, until
 *    none is left or --locked-rows-wait has passed.
 *  - One session per job: a session advisory lock keyed on the job's name.
 *  - Ctrl-C lets the running batch finish and stops; a second Ctrl-C
 *    cancels it (PQcancel), which rolls it back. Either way the recorded
 *    progress is true.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../report/report.h"
#include "backfill.h"
#include "../db/db.h"

/* pg_try_advisory_lock(BACKFILL_LOCK_CLASS, hashtext(job)): "zdmb", a class
 * of its own so that jobs never meet zdm migrate's lock or the application's */
#define BACKFILL_LOCK_CLASS "2053401954"
#define TEXTOID 25

/* 1234567 → "1,234,567" */
static const char *thousands(Arena *a, long long n)
{
    char raw[32], out[48];
    snprintf(raw, sizeof raw, "%lld", n < 0 ? -n : n);
    int len = (int)strlen(raw), k = 0;
    if (n < 0)
        out[k++] = '-';
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = raw[i];
    }
    out[k] = '\0';
    return arena_strdup(a, out);
}

static const char *human_duration(Arena *a, double s)
{
    if (s < 60)
        return arena_printf(a, "%.0fs", s);
    if (s < 3600)
        return arena_printf(a, "%dm%02ds", (int)(s / 60), (int)s % 60);
    return arena_printf(a, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

/* ---- queries ------------------------------------------------------------------- */

/* Runs sql with every parameter as text; returns the result whatever its
 * status (the caller looks at the SQLSTATE), or NULL without memory. */
static PGresult *bf_exec(PGconn *conn, const char *sql, int n, const char *const *params)
{
    Oid types[64];
    for (int i = 0; i < n && i < 64; i++)
        types[i] = TEXTOID;
    return PQexecParams(conn, sql, n, n ? types : NULL, params, NULL, NULL, 0);
}

static bool res_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static const char *res_state(const PGresult *r)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

/* A query that must succeed: the result, or NULL with err. */
static PGresult *bf_query(PGconn *conn, const char *sql, int n, const char *const *params,
                          const char *what, ZdmError *err)
{
    PGresult *r = bf_exec(conn, sql, n, params);
    if (!res_ok(r)) {
        db_error(err, conn, r, what);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* ---- the job's table ------------------------------------------------------------- */

typedef struct Bf {
    Arena *a;
    PGconn *conn;
    const BackfillOptions *o;
    BackfillJob *job;
    BackfillSettings s;
    BackfillTarget t;
    const char *progress; /* "schema".zdm_backfills */
    const char *skipped;
    const char **upper;   /* the upper bound's key, NULL: the table was empty */
    const char **last;    /* the last key done, NULL: none yet */
    long long rows_done, rows_scanned, rows_skipped, batches;
    long long run_done, run_scanned; /* this run's, for its rate */
    double row_ms;                    /* running average of a row's time in a batch */
    double t0;
    long batch;
    bool tty;
    double last_print;
    bool printed_bar;
    unsigned seed;
} Bf;

static const char *progress_table(Arena *a, const char *schema)
{
    return arena_printf(a, "%s.%s", db_quote_ident(a, schema), BACKFILL_TABLE);
}

static int resolve_target(Bf *b, ZdmError *err)
{
    Arena *a = b->a;
    const char *params[] = {b->job->table};
    PGresult *r = bf_exec(b->conn,
        "SELECT n.nspname, c.relname, c.relkind, c.oid::text, c.relhassubclass,"
        " CASE WHEN c.relkind = 'p' THEN (SELECT sum(greatest(p.reltuples, 0)) FROM pg_partition_tree(c.oid) t"
        "   JOIN pg_class p ON p.oid = t.relid) ELSE c.reltuples END"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
        1, params);
    if (!res_ok(r)) {
        db_error(err, b->conn, r, arena_printf(a, "table %s", b->job->table));
        err->kind = ERR_INPUT;
        PQclear(r);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return zdm_error(err, b->job->file, 0, 0, "no table %s in the database (search_path: as the "
                         "connection has it)", b->job->table);
    }
    const char *nsp = arena_strdup(a, PQgetvalue(r, 0, 0));
    const char *rel = arena_strdup(a, PQgetvalue(r, 0, 1));
    char kind = PQgetvalue(r, 0, 2)[0];
    const char *oid = arena_strdup(a, PQgetvalue(r, 0, 3));
    b->t.by_ctid = kind == 'r' && strcmp(PQgetvalue(r, 0, 4), "f") == 0;
    b->t.reltuples = PQgetisnull(r, 0, 5) ? -1 : atof(PQgetvalue(r, 0, 5));
    PQclear(r);
    b->t.qualified = arena_printf(a, "%s.%s", db_quote_ident(a, nsp), db_quote_ident(a, rel));
    b->t.display = b->t.qualified;
    b->t.alias = db_quote_ident(a, b->job->alias ? b->job->alias : rel);
    if (kind != 'r' && kind != 'p')
        return zdm_error(err, b->job->file, 0, 0, "%s is not a table", b->t.display);
    const char *kp[] = {oid};
    r = bf_query(b->conn,
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord", 1, kp, "reading the primary key", err);
    if (!r)
        return -1;
    int n = PQntuples(r);
    if (n == 0) {
        PQclear(r);
        return zdm_error(err, b->job->file, 0, 0, "%s has no primary key: zdm backfill walks the table in "
                         "primary-key order (add one, or backfill with a key of your own in a full UPDATE)",
                         b->t.display);
    }
    b->t.nkeys = n;
    b->t.key_names = arena_alloc(a, sizeof(char *) * (size_t)n);
    b->t.key_types = arena_alloc(a, sizeof(char *) * (size_t)n);
    for (int i = 0; i < n; i++) {
        b->t.key_names[i] = db_quote_ident(a, arena_strdup(a, PQgetvalue(r, i, 0)));
        b->t.key_types[i] = arena_strdup(a, PQgetvalue(r, i, 1));
    }
    PQclear(r);
    return 0;
}

/* The text of a text[] value, {"a","b"}, to send as a parameter. */
static const char *text_array(Bf *b, const char *const *items, int n)
{
    StrBuf sb;
    sb_init(&sb, b->a);
    sb_append(&sb, "{");
    for (int i = 0; i < n; i++) {
        sb_append(&sb, i ? ",\"" : "\"");
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_append(&sb, "\\");
            sb_appendn(&sb, p, 1);
        }
        sb_append(&sb, "\"");
    }
    sb_append(&sb, "}");
    return sb.data;
}

static const char *key_columns_literal(Bf *b)
{
    return text_array(b, b->t.key_names, b->t.nkeys);
}

/* The elements of a text[] column, in order; NULL when it is NULL. */
static const char **read_key(Bf *b, const char *column, ZdmError *err, bool *failed)
{
    *failed = false;
    const char *params[] = {b->job->name};
    PGresult *r = bf_query(b->conn,
        arena_printf(b->a, "SELECT u.x FROM %s j CROSS JOIN LATERAL unnest(j.%s) WITH ORDINALITY u(x, i)"
                           " WHERE j.job = $1 ORDER BY u.i", b->progress, column),
        1, params, "reading the job's progress", err);
    if (!r) {
        *failed = true;
        return NULL;
    }
    int n = PQntuples(r);
    const char **k = NULL;
    if (n == b->t.nkeys) {
        k = arena_alloc(b->a, sizeof(char *) * (size_t)n);
        for (int i = 0; i < n; i++)
            k[i] = arena_strdup(b->a, PQgetvalue(r, i, 0));
    } else if (n != 0) {
        *failed = true;
        zdm_error(err, NULL, 0, 0, "job %s recorded a %s of %d columns; %s's primary key has %d now: "
                  "start over with --reset", b->job->name, column, n, b->t.display, b->t.nkeys);
    }
    PQclear(r);
    return k;
}

static int create_tables(Bf *b, ZdmError *err)
{
    Arena *a = b->a;
    const char *sch = db_quote_ident(a, b->o->schema);
    const char *sql = arena_printf(a,
        "CREATE SCHEMA IF NOT EXISTS %s;\n"
        "CREATE TABLE IF NOT EXISTS %s (\n"
        "  job text PRIMARY KEY,\n"
        "  sha256 text NOT NULL,\n"
        "  table_name text NOT NULL,\n"
        "  table_spec text NOT NULL,\n"
        "  key_columns text[] NOT NULL,\n"
        "  file text,\n"
        "  set_sql text, where_sql text, update_sql text, update_alias text, check_sql text,\n"
        "  state text NOT NULL,\n"
        "  upper_key text[],\n"
        "  last_key text[],\n"
        "  rows_done bigint NOT NULL DEFAULT 0,\n"
        "  rows_scanned bigint NOT NULL DEFAULT 0,\n"
        "  rows_skipped bigint NOT NULL DEFAULT 0,\n"
        "  rows_remaining bigint,\n"
        "  batches bigint NOT NULL DEFAULT 0,\n"
        "  batch_size bigint, min_batch bigint, max_batch bigint, target_ms bigint, pause_ms bigint,\n"
        "  max_lag_ms bigint, max_active bigint, locked_wait_ms bigint,\n"
        "  started_at timestamptz NOT NULL DEFAULT now(),\n"
        "  updated_at timestamptz NOT NULL DEFAULT now(),\n"
        "  finished_at timestamptz,\n"
        "  message text);\n"
        "CREATE TABLE IF NOT EXISTS %s.%s (job text NOT NULL, key text[] NOT NULL, PRIMARY KEY (job, key))",
        sch, b->progress, sch, BACKFILL_SKIPPED_TABLE);
    return db_exec(b->conn, sql, err);
}

/* ---- the recorded job ------------------------------------------------------------ */

typedef struct Recorded {
    bool exists;
    const char *sha256, *state, *finished_at, *file;
    long long rows_done, rows_scanned, rows_skipped, batches, remaining;
    bool remaining_null;
    long settings[8]; /* batch_size .. locked_wait_ms, -1 NULL */
} Recorded;

static const char *const setting_columns =
    "batch_size, min_batch, max_batch, target_ms, pause_ms, max_lag_ms, max_active, locked_wait_ms";

static int read_recorded(Bf *b, Recorded *rec, ZdmError *err)
{
    memset(rec, 0, sizeof *rec);
    for (int i = 0; i < 8; i++)
        rec->settings[i] = -1;
    const char *params[] = {b->job->name};
    PGresult *r = bf_query(b->conn,
        arena_printf(b->a, "SELECT sha256, state, finished_at::text, file, rows_done, rows_scanned, rows_skipped,"
                           " batches, rows_remaining, %s FROM %s WHERE job = $1", setting_columns, b->progress),
        1, params, "reading zdm_backfills", err);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        rec->exists = true;
        rec->sha256 = arena_strdup(b->a, PQgetvalue(r, 0, 0));
        rec->state = arena_strdup(b->a, PQgetvalue(r, 0, 1));
        rec->finished_at = PQgetisnull(r, 0, 2) ? NULL : arena_strdup(b->a, PQgetvalue(r, 0, 2));
        rec->file = PQgetisnull(r, 0, 3) ? NULL : arena_strdup(b->a, PQgetvalue(r, 0, 3));
        rec->rows_done = atoll(PQgetvalue(r, 0, 4));
        rec->rows_scanned = atoll(PQgetvalue(r, 0, 5));
        rec->rows_skipped = atoll(PQgetvalue(r, 0, 6));
        rec->batches = atoll(PQgetvalue(r, 0, 7));
        rec->remaining_null = PQgetisnull(r, 0, 8);
        rec->remaining = atoll(PQgetvalue(r, 0, 8));
        for (int i = 0; i < 8; i++)
            rec->settings[i] = PQgetisnull(r, 0, 9 + i) ? -1 : atol(PQgetvalue(r, 0, 9 + i));
    }
    PQclear(r);
    return 0;
}

/* The settings the job ran with last time fill in the ones not given now:
 * a resumed job goes on at the batch size it had found. */
static void settings_from_recorded(BackfillSettings *s, const Recorded *rec)
{
    long *f[] = {&s->batch_size, &s->min_batch, &s->max_batch, &s->target_ms, &s->pause_ms,
                 &s->max_lag_ms, &s->max_active, &s->locked_wait_ms};
    for (int i = 0; rec->exists && i < 8; i++)
        if (*f[i] < 0 && rec->settings[i] >= 0)
            *f[i] = rec->settings[i];
}

static const char *ltoa_a(Arena *a, long long v)
{
    return arena_printf(a, "%lld", v);
}

static int save_settings_and_state(Bf *b, const char *state, const char *message, ZdmError *err)
{
    Arena *a = b->a;
    const char *params[] = {b->job->name, state, message, ltoa_a(a, b->batch), ltoa_a(a, b->s.min_batch),
                            ltoa_a(a, b->s.max_batch), ltoa_a(a, b->s.target_ms), ltoa_a(a, b->s.pause_ms),
                            ltoa_a(a, b->s.max_lag_ms), ltoa_a(a, b->s.max_active),
                            ltoa_a(a, b->s.locked_wait_ms)};
    PGresult *r = bf_query(b->conn, arena_printf(a,
        "UPDATE %s SET state = $2, message = $3, batch_size = $4::bigint, min_batch = $5::bigint,"
        " max_batch = $6::bigint, target_ms = $7::bigint, pause_ms = $8::bigint, max_lag_ms = $9::bigint,"
        " max_active = $10::bigint, locked_wait_ms = $11::bigint, updated_at = clock_timestamp() WHERE job = $1",
        b->progress), 11, params, "recording the job's state", err);
    PQclear(r);
    return r ? 0 : -1;
}

static int start_job(Bf *b, ZdmError *err)
{
    Arena *a = b->a;
    BackfillJob *j = b->job;
    /* the upper bound: the last key now */
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "SELECT ");
    for (int i = 0; i < b->t.nkeys; i++)
        sb_printf(&sb, "%s%s::text AS zdm_t%d", i ? ", " : "", b->t.key_names[i], i + 1);
    sb_printf(&sb, " FROM %s ORDER BY ", b->t.qualified);
    for (int i = 0; i < b->t.nkeys; i++)
        sb_printf(&sb, "%s%s DESC", i ? ", " : "", b->t.key_names[i]);
    sb_append(&sb, " LIMIT 1");
    PGresult *r = bf_query(b->conn, sb.data, 0, NULL, "finding the job's upper bound", err);
    if (!r)
        return -1;
    b->upper = NULL;
    if (PQntuples(r) == 1) {
        b->upper = arena_alloc(a, sizeof(char *) * (size_t)b->t.nkeys);
        for (int i = 0; i < b->t.nkeys; i++)
            b->upper[i] = arena_strdup(a, PQgetvalue(r, 0, i));
    }
    PQclear(r);
    b->last = NULL;
    /* the bound is table data: it goes as a parameter (text[] in array
     * syntax), never into the SQL, where a key holding \' would end the
     * literal when standard_conforming_strings is off */
    const char *params[] = {j->name, j->sha256, b->t.qualified, key_columns_literal(b), j->file,
                            j->set, j->where, j->update, j->alias, j->check, j->table,
                            b->upper ? text_array(b, b->upper, b->t.nkeys) : NULL};
    r = bf_query(b->conn, arena_printf(a,
        "INSERT INTO %s (job, sha256, table_name, key_columns, file, set_sql, where_sql, update_sql,"
        " update_alias, check_sql, table_spec, state, upper_key) VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8,"
        " $9, $10, $11, 'running', $12::text[])", b->progress), 12, params, "recording the job", err);
    PQclear(r);
    return r ? 0 : -1;
}

/* ---- progress -------------------------------------------------------------------- */

/* Set by SIGWINCH: the terminal changed size, so the bar is redrawn to
 * the new width at once instead of at its next tick. */
static volatile sig_atomic_t resized;

static void on_winch(int sig)
{
    (void)sig;
    resized = 1;
}

/* stderr's terminal width, 80 when it cannot say. */
static int bar_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static void show_progress(Bf *b, bool final)
{
    double t = util_now_ms();
    double every = b->tty ? 200 : (double)b->o->progress_every_ms;
    bool redraw = b->tty && resized;
    resized = 0;
    if (!final && !redraw && t - b->last_print < every)
        return;
    if (final && !b->printed_bar)
        return;
    b->last_print = t;
    Arena *a = b->a;
    double secs = (t - b->t0) / 1000.0;
    double rate = secs > 0 ? (double)b->run_scanned / secs : 0;
    double total = b->t.reltuples;
    double f = total > 0 ? (double)b->rows_scanned / total : 0;
    if (f > 1)
        f = 1;
    StrBuf sb;
    sb_init(&sb, a);
    if (total > 0)
        sb_printf(&sb, "%3.0f%% %s of ~%s rows", f * 100, thousands(a, b->rows_scanned),
                  thousands(a, (long long)total));
    else
        sb_printf(&sb, "%s rows", thousands(a, b->rows_scanned));
    sb_printf(&sb, ", %s updated, %s rows/s", thousands(a, b->rows_done), thousands(a, (long long)rate));
    if (total > 0 && rate > 0 && (double)b->rows_scanned < total)
        sb_printf(&sb, ", ETA %s", human_duration(a, (total - (double)b->rows_scanned) / rate));
    sb_printf(&sb, ", batch %s", thousands(a, b->batch));
    if (!b->tty) {
        fprintf(stderr, "zdm: %s: %s\n", b->job->name, sb.data);
        fflush(stderr);
        return;
    }
    /* One terminal line, never more: a line that wrapped would leave its
     * first half behind at every redraw. The bar takes 10 to 40 columns;
     * the text after it gives up its last parts (batch, ETA, rate...) to
     * make room, and the bar goes only when even that is not enough. */
    int width = bar_columns() - 1;
    StrBuf line;
    sb_init(&line, a);
    sb_printf(&line, "%s: ", b->job->name);
    int room = width - (int)line.len - 3; /* "[" "] " */
    int bar = room - (int)sb.len;
    bar = bar > 40 ? 40 : bar < 10 ? 10 : bar;
    if (total > 0 && room - bar >= 20) {
        sb_append(&line, "[");
        for (int i = 0; i < bar; i++)
            sb_append(&line, i < (int)(f * bar) ? "#" : "-");
        sb_append(&line, "] ");
    }
    int left = width - (int)line.len;
    size_t text = sb.len;
    while ((int)text > left) { /* drop the last ", part" until the text fits */
        char *comma = NULL;
        for (char *c = sb.data; c + 1 < sb.data + text; c++)
            if (c[0] == ',' && c[1] == ' ')
                comma = c;
        if (!comma)
            break;
        text = (size_t)(comma - sb.data);
    }
    sb_appendn(&line, sb.data, text);
    int shown = (int)line.len > width && width > 0 ? width : (int)line.len;
    fprintf(stderr, "\r\033[K%.*s%s", shown, line.data, final ? "\n" : "");
    fflush(stderr);
    b->printed_bar = !final;
}

static void end_bar(Bf *b)
{
    if (b->tty && b->printed_bar) {
        fputs("\n", stderr);
        b->printed_bar = false;
    }
}

/* ---- throttling -------------------------------------------------------------------- */

static int throttle(Bf *b, ZdmError *err)
{
    if (!b->s.max_lag_ms && !b->s.max_active)
        return 0;
    double said = 0;
    for (;;) {
        PGresult *r = bf_query(b->conn,
            "SELECT (SELECT coalesce(max(extract(epoch FROM replay_lag) * 1000), 0)::bigint FROM pg_stat_replication),"
            " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
            "  AND pid <> pg_backend_pid() AND backend_type = 'client backend')",
            0, NULL, "reading replication lag and activity", err);
        if (!r)
            return -1;
        long lag = atol(PQgetvalue(r, 0, 0));
        long active = atol(PQgetvalue(r, 0, 1));
        PQclear(r);
        const char *why = NULL;
        if (b->s.max_lag_ms && lag > b->s.max_lag_ms)
            why = arena_printf(b->a, "replication lag %s > %s", db_format_duration(b->a, lag),
                               db_format_duration(b->a, b->s.max_lag_ms));
        else if (b->s.max_active && active > b->s.max_active)
            why = arena_printf(b->a, "%ld active sessions > %ld", active, b->s.max_active);
        if (!why)
            return 0;
        if (util_now_ms() - said > 10000) {
            end_bar(b);
            fprintf(stderr, "zdm: %s: waiting: %s\n", b->job->name, why);
            fflush(stderr);
            said = util_now_ms();
        }
        util_sleep_ms(1000, &db_signals);
        if (db_signals)
            return 0;
    }
}

/* ---- errors during a batch ------------------------------------------------------ */

typedef enum { RETRY_SAME, RETRY_SMALLER, FAIL, STOP } Outcome;

/* What to do after a failed batch statement. */
static Outcome batch_failed(Bf *b, PGresult *r, int *attempt, double *waited, ZdmError *err)
{
    const char *st = res_state(r);
    if (db_signals && (strcmp(st, "57014") == 0 || PQstatus(b->conn) == CONNECTION_OK)) {
        PQclear(r);
        return STOP;
    }
    bool lock = strcmp(st, "55P03") == 0;
    bool transient = lock || strcmp(st, "40P01") == 0 || strcmp(st, "40001") == 0;
    if (strcmp(st, "57014") == 0) { /* statement_timeout: the batch was too big */
        PQclear(r);
        if (b->batch <= b->s.min_batch) {
            zdm_error(err, NULL, 0, 0, "a batch of %ld rows (the minimum) ran into statement_timeout", b->batch);
            err->kind = ERR_DATABASE;
            return FAIL;
        }
        b->batch = b->batch / 4 > b->s.min_batch ? b->batch / 4 : b->s.min_batch;
        return RETRY_SMALLER;
    }
    if (!transient) {
        db_error(err, b->conn, r, "batch failed");
        PQclear(r);
        return FAIL;
    }
    long delay = db_backoff_ms(*attempt, 200, 10000, (double)rand_r(&b->seed) / ((double)RAND_MAX + 1.0));
    if (*waited + (double)delay > 5 * 60 * 1000.0) {
        db_error(err, b->conn, r, "batch kept failing for 5 minutes");
        PQclear(r);
        return FAIL;
    }
    end_bar(b);
    fprintf(stderr, "zdm: %s: %s; retrying in %.1f s\n", b->job->name,
            lock ? "waited lock_timeout for a table lock (DDL on the table?)" : "deadlock or serialization failure",
            (double)delay / 1000.0);
    fflush(stderr);
    PQclear(r);
    util_sleep_ms(delay, &db_signals);
    *waited += (double)delay;
    (*attempt)++;
    return db_signals ? STOP : RETRY_SAME;
}

/* ---- the main walk ------------------------------------------------------------------ */

static int walk(Bf *b, ZdmError *err)
{
    Arena *a = b->a;
    int nk = b->t.nkeys;
    const char *bound_first = backfill_bound_sql(a, &b->t, false, false);
    const char *bound_next = backfill_bound_sql(a, &b->t, true, false);
    const char *tail_first = backfill_bound_sql(a, &b->t, false, true);
    const char *tail_next = backfill_bound_sql(a, &b->t, true, true);
    const char *batch_first = backfill_batch_sql(a, &b->t, b->job, b->o->schema, false);
    const char *batch_next = backfill_batch_sql(a, &b->t, b->job, b->o->schema, true);
    const char **params = arena_alloc(a, sizeof(char *) * (size_t)(2 + 2 * nk));
    const char **bound = arena_alloc(a, sizeof(char *) * (size_t)nk);
    int attempt = 0;
    double waited = 0;
    while (!db_signals) {
        if (throttle(b, err) < 0)
            return -1;
        if (db_signals)
            break;
        double t1 = util_now_ms();
        int np = 0;
        params[np++] = ltoa_a(a, b->batch);
        for (int i = 0; b->last && i < nk; i++)
            params[np++] = b->last[i];
        for (int i = 0; i < nk; i++)
            params[np++] = b->upper[i];
        PGresult *r = bf_exec(b->conn, b->last ? bound_next : bound_first, np, params);
        if (res_ok(r) && PQntuples(r) == 0) { /* fewer than a batch left */
            PQclear(r);
            r = bf_exec(b->conn, b->last ? tail_next : tail_first, np, params);
        }
        if (!res_ok(r)) {
            Outcome oc = batch_failed(b, r, &attempt, &waited, err);
            if (oc == FAIL)
                return -1;
            if (oc == STOP)
                break;
            continue;
        }
        if (PQntuples(r) == 0) {
            PQclear(r);
            return 0; /* nothing left below the upper bound */
        }
        for (int i = 0; i < nk; i++)
            bound[i] = arena_strdup(a, PQgetvalue(r, 0, i));
        long long scanned = atoll(PQgetvalue(r, 0, nk));
        PQclear(r);

        np = 0;
        params[np++] = b->job->name;
        params[np++] = ltoa_a(a, scanned);
        for (int i = 0; b->last && i < nk; i++)
            params[np++] = b->last[i];
        for (int i = 0; i < nk; i++)
            params[np++] = bound[i];
        r = bf_exec(b->conn, b->last ? batch_next : batch_first, np, params);
        if (!res_ok(r)) {
            Outcome oc = batch_failed(b, r, &attempt, &waited, err);
            if (oc == FAIL)
                return -1;
            if (oc == STOP)
                break;
            continue;
        }
        double elapsed = util_now_ms() - t1;
        long long done = atoll(PQgetvalue(r, 0, 0));
        long long skipped = atoll(PQgetvalue(r, 0, 1));
        bool recorded = atoll(PQgetvalue(r, 0, 2)) == 1;
        PQclear(r);
        if (!recorded) /* the batch committed without its progress row: nothing to resume from */
            return zdm_error(err, NULL, 0, 0, "job %s's row in %s is gone (a --reset in another session?); "
                             "stopping", b->job->name, b->progress);
        attempt = 0;
        waited = 0;
        if (!b->last)
            b->last = arena_alloc(a, sizeof(char *) * (size_t)nk);
        for (int i = 0; i < nk; i++)
            b->last[i] = bound[i];
        b->rows_done += done;
        b->run_done += done;
        b->rows_scanned += scanned;
        b->run_scanned += scanned;
        b->rows_skipped += skipped;
        b->batches++;
        b->batch = backfill_next_batch_size(b->batch, elapsed, &b->row_ms, &b->s);
        show_progress(b, false);
        if (b->s.pause_ms)
            util_sleep_ms(b->s.pause_ms, &db_signals);
    }
    return 1; /* interrupted */
}

/* Retries the rows skipped because another session held them. 0 when none
 * is left, 1 interrupted, -1 error (still locked after locked_wait_ms). */
static int retry_skipped(Bf *b, ZdmError *err)
{
    Arena *a = b->a;
    const char *count_sql = arena_printf(a, "SELECT count(*) FROM %s.%s WHERE job = $1",
                                         db_quote_ident(a, b->o->schema), BACKFILL_SKIPPED_TABLE);
    const char *sql = backfill_retry_sql(a, &b->t, b->job, b->o->schema);
    double start = util_now_ms();
    int round = 0, attempt = 0;
    double waited = 0;
    for (;;) {
        const char *p1[] = {b->job->name};
        PGresult *r = bf_query(b->conn, count_sql, 1, p1, "counting skipped rows", err);
        if (!r)
            return -1;
        long long left = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        b->rows_skipped = left;
        if (left == 0)
            return 0;
        if (round > 0) {
            double spent = util_now_ms() - start;
            if (spent >= (double)b->s.locked_wait_ms) {
                zdm_error(err, NULL, 0, 0, "%s row%s of %s stayed locked by other sessions for %s "
                          "(--locked-rows-wait); job %s is not done: run zdm backfill --resume %s once "
                          "they are free", thousands(a, left), left == 1 ? "" : "s", b->t.display,
                          db_format_duration(a, b->s.locked_wait_ms), b->job->name, b->job->name);
                err->kind = ERR_DATABASE;
                return -1;
            }
            long delay = db_backoff_ms(round - 1, 250, 5000, (double)rand_r(&b->seed) / ((double)RAND_MAX + 1.0));
            end_bar(b);
            fprintf(stderr, "zdm: %s: %s row%s still locked by other sessions; retrying in %.1f s\n",
                    b->job->name, thousands(a, left), left == 1 ? "" : "s", (double)delay / 1000.0);
            fflush(stderr);
            util_sleep_ms(delay, &db_signals);
        } else {
            end_bar(b);
            fprintf(stderr, "zdm: %s: retrying %s row%s skipped while other sessions held them\n",
                    b->job->name, thousands(a, left), left == 1 ? "" : "s");
            fflush(stderr);
        }
        round++;
        const char *after = NULL;
        while (!db_signals) {
            const char *params[] = {b->job->name, ltoa_a(a, b->s.max_batch), after};
            r = bf_exec(b->conn, sql, 3, params);
            if (!res_ok(r)) {
                Outcome oc = batch_failed(b, r, &attempt, &waited, err);
                if (oc == FAIL)
                    return -1;
                if (oc == STOP)
                    return 1;
                continue;
            }
            long long pending = atoll(PQgetvalue(r, 0, 0));
            long long done = atoll(PQgetvalue(r, 0, 1));
            after = PQgetisnull(r, 0, 3) ? NULL : arena_strdup(a, PQgetvalue(r, 0, 3));
            PQclear(r);
            b->rows_done += done;
            b->run_done += done;
            if (pending == 0 || !after)
                break;
        }
        if (db_signals)
            return 1;
    }
}

static int final_count(Bf *b, long long *remaining, long long *beyond, ZdmError *err)
{
    Arena *a = b->a;
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "SELECT count(*), ");
    if (b->upper) {
        sb_append(&sb, "count(*) FILTER (WHERE ");
        if (b->t.nkeys > 1)
            sb_append(&sb, "(");
        for (int i = 0; i < b->t.nkeys; i++)
            sb_printf(&sb, "%s%s", i ? ", " : "", b->t.key_names[i]);
        if (b->t.nkeys > 1)
            sb_append(&sb, ")");
        sb_append(&sb, " > ");
        if (b->t.nkeys > 1)
            sb_append(&sb, "(");
        for (int i = 0; i < b->t.nkeys; i++)
            sb_printf(&sb, "%s$%d::%s", i ? ", " : "", i + 1, b->t.key_types[i]);
        if (b->t.nkeys > 1)
            sb_append(&sb, ")");
        sb_append(&sb, ")");
    } else {
        sb_append(&sb, "count(*)");
    }
    sb_printf(&sb, " FROM %s AS %s WHERE (\n%s\n)", b->t.qualified, b->t.alias, b->job->check);
    if (db_exec(b->conn, "SET statement_timeout = 0", err) < 0)
        return -1;
    PGresult *r = bf_query(b->conn, sb.data, b->upper ? b->t.nkeys : 0, b->upper,
                           "counting the rows that still match", err);
    if (!r)
        return -1;
    *remaining = atoll(PQgetvalue(r, 0, 0));
    *beyond = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

/* ---- the run ------------------------------------------------------------------------- */

static int take_job_lock(Bf *b, ZdmError *err)
{
    const char *params[] = {b->job->name};
    /* a few seconds of patience: after a kill -9 the server finishes the
     * killed run's last batch (and commits it) before its session ends */
    PGresult *r;
    for (int attempt = 0; attempt < 12; attempt++) {
        r = bf_query(b->conn, "SELECT pg_try_advisory_lock(" BACKFILL_LOCK_CLASS ", hashtext($1))", 1, params,
                     "locking the job", err);
        if (!r)
            return -1;
        bool got = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (got)
            return 0;
        util_sleep_ms(250, &db_signals);
        if (db_signals)
            break;
    }
    r = bf_query(b->conn, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = " BACKFILL_LOCK_CLASS
                          " AND objid = hashtext($1)::oid AND objsubid = 2 AND granted", 1, params,
                 "locking the job", err);
    const char *pid = r && PQntuples(r) ? arena_strdup(b->a, PQgetvalue(r, 0, 0)) : "?";
    PQclear(r);
    zdm_error(err, NULL, 0, 0, "job %s is running in another session (pid %s); one session per job",
              b->job->name, pid);
    err->kind = ERR_DATABASE;
    return -1;
}

static int dry_run(Bf *b, const Recorded *rec, FILE *out)
{
    Arena *a = b->a;
    fprintf(out, "-- job %s on %s, primary key (", b->job->name, b->t.display);
    for (int i = 0; i < b->t.nkeys; i++)
        fprintf(out, "%s%s %s", i ? ", " : "", b->t.key_names[i], b->t.key_types[i]);
    fprintf(out, "), about %s rows\n", b->t.reltuples >= 0 ? thousands(a, (long long)b->t.reltuples) : "?");
    if (rec->exists)
        fprintf(out, "-- recorded: %s, %s rows done in %s batches%s\n", rec->state,
                thousands(a, rec->rows_done), thousands(a, rec->batches),
                strcmp(rec->sha256, b->job->sha256) ? "; the definition changed since (needs --reset)" : "");
    fprintf(out, "-- batches of %ld rows to start (%ld..%ld), aiming at %s each\n", b->s.batch_size,
            b->s.min_batch, b->s.max_batch, db_format_duration(a, b->s.target_ms));
    fprintf(out, "-- where a batch ends ($1 = batch size, then the last key done, then the upper bound):\n%s;\n"
                 "-- or, when fewer than a batch are left:\n%s;\n",
            backfill_bound_sql(a, &b->t, true, false), backfill_bound_sql(a, &b->t, true, true));
    fprintf(out, "-- the batch, one transaction ($1 = job, $2 = rows in the range, then the last key done, "
                 "then the batch's last key):\n%s;\n",
            backfill_batch_sql(a, &b->t, b->job, b->o->schema, true));
    return 0;
}

int backfill_run(Arena *a, BackfillJob *job, const BackfillSettings *cli, const BackfillOptions *o,
                 FILE *out, ZdmError *err)
{
    Bf b = {.a = a, .o = o, .job = job};
    DbInterrupt intr = {0};
    b.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    b.progress = progress_table(a, o->schema);
    b.skipped = arena_printf(a, "%s.%s", db_quote_ident(a, o->schema), BACKFILL_SKIPPED_TABLE);
    b.s = job->settings;
    backfill_settings_merge(&b.s, cli);
    b.conn = db_connect(a, o->url, err);
    if (!b.conn)
        return -1;
    int rc = -1;
    if (!o->dry_run && db_require_session(a, b.conn, o->url, "backfill", err) < 0)
        goto done;
    {
        /* application_name holds 63 bytes: the name is cut, on a character boundary */
        const char *params[] = {arena_printf(a, "zdm backfill %s", util_utf8_prefix(a, job->name, 40))};
        PGresult *r = bf_query(b.conn, "SELECT set_config('application_name', $1, false)", 1, params,
                               "setting application_name", err);
        if (!r)
            goto done;
        PQclear(r);
    }
    if (resolve_target(&b, err) < 0)
        goto done;
    bool have_table = false;
    if (db_relation_exists(b.conn, b.progress, &have_table, err) < 0)
        goto done;
    Recorded rec = {0};
    if (o->dry_run) {
        if (have_table && read_recorded(&b, &rec, err) < 0)
            goto done;
        settings_from_recorded(&b.s, &rec);
        if (backfill_settings_finish(&b.s, err) < 0)
            goto done;
        rc = dry_run(&b, &rec, out);
        goto done;
    }
    if (!have_table && create_tables(&b, err) < 0)
        goto done;
    if (take_job_lock(&b, err) < 0)
        goto done;
    if (read_recorded(&b, &rec, err) < 0)
        goto done;
    if (rec.exists && strcmp(rec.sha256, job->sha256) != 0 && !o->reset) {
        zdm_error(err, job->file, 0, 0,
                  "job %s changed since it %s (sha-256 %.12s then, %.12s now; %s rows done): finish it "
                  "with the definition it started with, or start over with --reset",
                  job->name, rec.finished_at ? "ran" : "started", rec.sha256, job->sha256,
                  thousands(a, rec.rows_done));
        goto done;
    }
    if (rec.exists && strcmp(rec.state, "done") == 0 && !o->reset) {
        fprintf(out, "job %s is done: %s rows updated, finished at %s%s; nothing to do (--reset runs it again)\n",
                job->name, thousands(a, rec.rows_done), rec.finished_at ? rec.finished_at : "?",
                rec.remaining_null ? "" : arena_printf(a, ", %s rows still matched then", thousands(a, rec.remaining)));
        rc = 0;
        goto done;
    }
    if (rec.exists && o->reset) {
        const char *params[] = {job->name};
        PGresult *r = bf_query(b.conn, arena_printf(a, "DELETE FROM %s WHERE job = $1; ", b.progress), 1, params,
                               "resetting the job", err);
        if (!r)
            goto done;
        PQclear(r);
        r = bf_query(b.conn, arena_printf(a, "DELETE FROM %s WHERE job = $1", b.skipped), 1, params,
                     "resetting the job", err);
        if (!r)
            goto done;
        PQclear(r);
        fprintf(stderr, "zdm: %s: --reset: forgot %s rows done; starting over\n", job->name,
                thousands(a, rec.rows_done));
        rec.exists = false;
    }
    settings_from_recorded(&b.s, &rec);
    if (backfill_settings_finish(&b.s, err) < 0)
        goto done;
    b.batch = b.s.batch_size;
    if (!rec.exists) {
        if (start_job(&b, err) < 0)
            goto done;
    } else {
        /* the walk's order is the key's: a job recorded over another key
         * would resume at a meaningless place */
        const char *kp[] = {job->name, key_columns_literal(&b)};
        PGresult *r = bf_query(b.conn, arena_printf(a, "SELECT key_columns = $2::text[], key_columns::text FROM %s"
                                                       " WHERE job = $1", b.progress), 2, kp, "reading the job", err);
        if (!r)
            goto done;
        bool same = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
        const char *was = PQntuples(r) == 1 ? arena_strdup(a, PQgetvalue(r, 0, 1)) : "?";
        PQclear(r);
        if (!same) {
            zdm_error(err, job->file, 0, 0, "job %s walked the primary key %s of %s, which is %s now: start over "
                      "with --reset", job->name, was, b.t.display, key_columns_literal(&b));
            goto done;
        }
        bool failed;
        b.upper = read_key(&b, "upper_key", err, &failed);
        if (failed)
            goto done;
        b.last = read_key(&b, "last_key", err, &failed);
        if (failed)
            goto done;
        b.rows_done = rec.rows_done;
        b.rows_scanned = rec.rows_scanned;
        b.rows_skipped = rec.rows_skipped;
        b.batches = rec.batches;
        fprintf(stderr, "zdm: %s: resuming (%s): %s rows updated in %s batches so far\n", job->name, rec.state,
                thousands(a, rec.rows_done), thousands(a, rec.batches));
    }
    if (save_settings_and_state(&b, "running", NULL, err) < 0)
        goto done;
    /* a batch never queues behind DDL for long (it takes ROW EXCLUSIVE on
     * the table); a batch far slower than its target is cut short and
     * retried smaller */
    long stmt_timeout = b.s.target_ms * 50 > 30000 ? b.s.target_ms * 50 : 30000;
    if (db_exec(b.conn, arena_printf(a, "SET lock_timeout = '1s'; SET statement_timeout = '%s'",
                                     db_format_duration(a, stmt_timeout)), err) < 0)
        goto done;
    b.tty = o->progress > 0 || (o->progress < 0 && isatty(STDERR_FILENO));
    if (b.tty) {
        struct sigaction sa = {.sa_handler = on_winch};
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGWINCH, &sa, NULL);
    }
    b.t0 = util_now_ms();
    b.last_print = b.t0;
    /* Ctrl-C lets the running batch finish and stops; a second one cancels it */
    db_interrupt_begin(&intr, b.conn, 1, "\nzdm: stopping after the current batch (Ctrl-C again cancels it)\n");
    int w = b.upper ? walk(&b, err) : 0;
    if (w == 0)
        w = retry_skipped(&b, err);
    end_bar(&b);
    if (w != 0) {
        ZdmError ignore = {0};
        bool stopped = w > 0;
        if (stopped) {
            zdm_error(err, NULL, 0, 0, "interrupted: job %s stopped after its last committed batch (%s rows "
                      "updated); resume with zdm backfill --resume %s", job->name, thousands(a, b.rows_done),
                      job->name);
            err->kind = ERR_DATABASE;
        }
        if (PQstatus(b.conn) == CONNECTION_OK) {
            PGresult *r = PQexec(b.conn, "RESET statement_timeout");
            PQclear(r);
            save_settings_and_state(&b, stopped ? "stopped" : "failed", err->message, &ignore);
        }
        goto done;
    }
    long long remaining = 0, beyond = 0;
    bool counted = job->check != NULL;
    if (counted && final_count(&b, &remaining, &beyond, err) < 0)
        goto done;
    {
        const char *params[] = {job->name, counted ? ltoa_a(a, remaining) : NULL, ltoa_a(a, b.batch)};
        PGresult *r = bf_query(b.conn, arena_printf(a,
            "UPDATE %s SET state = 'done', finished_at = clock_timestamp(), updated_at = clock_timestamp(),"
            " rows_remaining = $2::bigint, batch_size = $3::bigint, message = NULL WHERE job = $1", b.progress), 3, params,
            "recording the job as done", err);
        if (!r)
            goto done;
        PQclear(r);
    }
    double secs = (util_now_ms() - b.t0) / 1000.0;
    fprintf(out, "backfilled %s: %s rows updated (%s this run) in %.1f s, %s rows/s; %s rows scanned in %s batches\n",
            job->name, thousands(a, b.rows_done), thousands(a, b.run_done), secs,
            thousands(a, secs > 0 ? (long long)((double)b.run_done / secs) : 0), thousands(a, b.rows_scanned),
            thousands(a, b.batches));
    if (!counted)
        fprintf(out, "no WHERE (or zdm:check): the rows still to do were not counted\n");
    else if (remaining == 0)
        fprintf(out, "0 rows of %s match the WHERE any more\n", b.t.display);
    else {
        fprintf(out, "%s row%s of %s still match%s the WHERE", thousands(a, remaining), remaining == 1 ? "" : "s",
                b.t.display, remaining == 1 ? "es" : "");
        if (beyond)
            fprintf(out, " (%s with a key above the job's upper bound: written after it started)",
                    thousands(a, beyond));
        fputs("\n", out);
        fprintf(stderr, "zdm: warning: %s: %s row%s still match%s the WHERE: rows written after the job "
                        "started are the new code's (or a trigger's) to fill; once they are, run the job "
                        "again with --reset to sweep the rest\n", job->name, thousands(a, remaining),
                remaining == 1 ? "" : "s", remaining == 1 ? "es" : "");
    }
    rc = 0;
done:
    db_interrupt_end(&intr);
    PQfinish(b.conn);
    return rc;
}

/* ---- --resume, --status -------------------------------------------------------------- */

int backfill_load_recorded(Arena *a, const char *url, const char *schema, const char *name,
                           BackfillJob *job, ZdmError *err)
{
    PGconn *conn = db_connect(a, url, err);
    if (!conn)
        return -1;
    int rc = -1;
    const char *tbl = progress_table(a, schema);
    bool exists;
    if (db_relation_exists(conn, tbl, &exists, err) < 0)
        goto done;
    if (!exists) {
        zdm_error(err, NULL, 0, 0, "no job %s: no backfill has run on this database (%s does not exist)", name, tbl);
        goto done;
    }
    const char *params[] = {name};
    PGresult *r = bf_query(conn, arena_printf(a, "SELECT file, table_spec, set_sql, where_sql, update_sql, update_alias,"
                                       " check_sql FROM %s WHERE job = $1", tbl),
                 1, params, "reading zdm_backfills", err);
    if (!r)
        goto done;
    if (PQntuples(r) == 0) {
        PQclear(r);
        zdm_error(err, NULL, 0, 0, "no job %s in %s (see zdm backfill --status)", name, tbl);
        goto done;
    }
    const char *v[7];
    for (int i = 0; i < 7; i++)
        v[i] = PQgetisnull(r, 0, i) ? NULL : arena_strdup(a, PQgetvalue(r, 0, i));
    PQclear(r);
    /* the file, when it is still there: an edit since must be noticed */
    if (v[0] && access(v[0], R_OK) == 0) {
        size_t len;
        char *text = util_read_file(a, v[0], &len, err);
        if (!text || backfill_parse_file(a, v[0], text, len, job, err) < 0)
            goto done;
        job->name = name;
        rc = 0;
        goto done;
    }
    memset(job, 0, sizeof *job);
    backfill_settings_unset(&job->settings);
    job->name = name;
    job->file = v[0];
    job->table = v[1];
    job->set = v[2];
    job->where = v[3];
    job->update = v[4];
    job->alias = v[5];
    job->check = v[6];
    backfill_job_hash(job);
    rc = 0;
done:
    PQfinish(conn);
    return rc;
}

/* --status --format json: the jobs as they are recorded (docs/json.md). */
static void status_json(PGresult *r, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    report_json_open(&j, '{');
    report_json_key(&j, "format_version");
    report_json_int(&j, 1);
    report_json_key(&j, "jobs");
    report_json_open(&j, '[');
    for (int i = 0; r && i < PQntuples(r); i++) {
        const char *state = PQgetvalue(r, i, 2);
        if (strcmp(state, "running") == 0 && PQgetvalue(r, i, 9)[0] != 't')
            state = "stopped";
        report_json_open(&j, '{');
        report_json_key(&j, "job");
        report_json_str(&j, PQgetvalue(r, i, 0));
        report_json_key(&j, "table");
        report_json_str(&j, PQgetvalue(r, i, 1));
        report_json_key(&j, "state");
        report_json_str(&j, state);
        static const struct { const char *key; int col; } counts[] = {
            {"rows_done", 3}, {"rows_scanned", 4}, {"rows_skipped", 5}, {"rows_remaining", 6}};
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            report_json_key(&j, counts[k].key);
            if (PQgetisnull(r, i, counts[k].col))
                report_json_null(&j);
            else
                report_json_int(&j, atol(PQgetvalue(r, i, counts[k].col)));
        }
        double secs = atof(PQgetvalue(r, i, 7));
        report_json_key(&j, "rows_per_second");
        report_json_int(&j, secs > 0 ? (long)(atof(PQgetvalue(r, i, 3)) / secs) : 0);
        report_json_key(&j, "estimated_rows");
        if (PQgetisnull(r, i, 10))
            report_json_null(&j);
        else
            report_json_int(&j, (long)atof(PQgetvalue(r, i, 10)));
        report_json_key(&j, "last_activity");
        report_json_str(&j, PQgetvalue(r, i, 8));
        report_json_key(&j, "message");
        report_json_str(&j, PQgetisnull(r, i, 11) ? NULL : PQgetvalue(r, i, 11));
        report_json_close(&j, '}');
    }
    report_json_close(&j, ']');
    report_json_close(&j, '}');
}

int backfill_status(Arena *a, const char *url, const char *schema, bool json, FILE *out, ZdmError *err)
{
    PGconn *conn = db_connect(a, url, err);
    if (!conn)
        return -1;
    int rc = -1;
    const char *tbl = progress_table(a, schema);
    bool exists;
    if (db_relation_exists(conn, tbl, &exists, err) < 0)
        goto done;
    if (!exists && json) {
        status_json(NULL, out);
        rc = 0;
        goto done;
    }
    if (!exists) {
        fprintf(out, "no backfill jobs (%s does not exist)\n", tbl);
        rc = 0;
        goto done;
    }
    PGresult *r = bf_query(conn, arena_printf(a,
        "SELECT b.job, b.table_name, b.state, b.rows_done, b.rows_scanned, b.rows_skipped, b.rows_remaining,"
        " extract(epoch FROM b.updated_at - b.started_at), to_char(b.updated_at, 'YYYY-MM-DD HH24:MI:SS'),"
        " EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = " BACKFILL_LOCK_CLASS
        "   AND l.objid = hashtext(b.job)::oid AND l.objsubid = 2 AND l.granted),"
        " (SELECT CASE WHEN c.relkind = 'p' THEN NULL ELSE c.reltuples END FROM pg_class c"
        "   WHERE c.oid = to_regclass(b.table_name)), b.message"
        " FROM %s b ORDER BY b.started_at, b.job", tbl), 0, NULL, "reading zdm_backfills", err);
    if (!r)
        goto done;
    int n = PQntuples(r);
    if (json) {
        status_json(r, out);
        PQclear(r);
        rc = 0;
        goto done;
    }
    if (n == 0) {
        fprintf(out, "no backfill jobs\n");
        PQclear(r);
        rc = 0;
        goto done;
    }
    const char *head[] = {"JOB", "TABLE", "STATE", "UPDATED ROWS", "SCANNED", "RATE", "STILL MATCHING", "LAST ACTIVITY"};
    enum { NC = 8 };
    const char ***cells = arena_alloc(a, sizeof(char **) * (size_t)n);
    int width[NC];
    for (int c = 0; c < NC; c++)
        width[c] = (int)strlen(head[c]);
    for (int i = 0; i < n; i++) {
        const char **row = arena_alloc(a, sizeof(char *) * NC);
        const char *state = PQgetvalue(r, i, 2);
        bool locked = PQgetvalue(r, i, 9)[0] == 't';
        if (strcmp(state, "running") == 0 && !locked)
            state = "stopped (its session ended)";
        long long done = atoll(PQgetvalue(r, i, 3)), scanned = atoll(PQgetvalue(r, i, 4));
        long long skipped = atoll(PQgetvalue(r, i, 5));
        double secs = atof(PQgetvalue(r, i, 7));
        double total = PQgetisnull(r, i, 10) ? -1 : atof(PQgetvalue(r, i, 10));
        row[0] = arena_strdup(a, PQgetvalue(r, i, 0));
        row[1] = arena_strdup(a, PQgetvalue(r, i, 1));
        row[2] = skipped && strcmp(state, "done") != 0 ? arena_printf(a, "%s, %s locked rows to retry", state,
                                                                       thousands(a, skipped))
                                                       : arena_strdup(a, state);
        row[3] = thousands(a, done);
        row[4] = strcmp(state, "done") == 0 || total <= 0
                     ? thousands(a, scanned)
                     : arena_printf(a, "%s (%.0f%%)", thousands(a, scanned),
                                    (double)scanned * 100.0 / total > 100 ? 100.0 : (double)scanned * 100.0 / total);
        row[5] = secs > 0 ? arena_printf(a, "%s/s", thousands(a, (long long)((double)done / secs))) : "-";
        row[6] = PQgetisnull(r, i, 6) ? "-" : thousands(a, atoll(PQgetvalue(r, i, 6)));
        row[7] = arena_strdup(a, PQgetvalue(r, i, 8));
        cells[i] = row;
        for (int c = 0; c < NC; c++)
            if ((int)strlen(row[c]) > width[c])
                width[c] = (int)strlen(row[c]);
    }
    for (int c = 0; c < NC; c++)
        fprintf(out, "%-*s%s", c == NC - 1 ? 0 : width[c], head[c], c == NC - 1 ? "\n" : "  ");
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < NC; c++)
            fprintf(out, "%-*s%s", c == NC - 1 ? 0 : width[c], cells[i][c], c == NC - 1 ? "\n" : "  ");
        if (!PQgetisnull(r, i, 11) && strcmp(PQgetvalue(r, i, 2), "done") != 0)
            fprintf(out, "  %s\n", PQgetvalue(r, i, 11));
    }
    PQclear(r);
    rc = 0;
done:
    PQfinish(conn);
    return rc;
}

/* ---- zdm migrate's question ------------------------------------------------------------ */

/* The line of "zdm:requires-backfill NAME" in m, for the message. */
static int directive_line(const Migration *m, const char *name)
{
    const char *p = m->text;
    while (p && (p = strstr(p, "zdm:requires-backfill")) != NULL) {
        const char *q = p + strlen("zdm:requires-backfill");
        while (*q == ' ' || *q == '\t')
            q++;
        size_t n = strlen(name);
        if (strncmp(q, name, n) == 0) {
            int line, col;
            util_line_col(m->text, (int)(p - m->text), &line, &col);
            return line;
        }
        p = q;
    }
    return 0;
}

int backfill_job_state(Arena *a, PGconn *conn, const char *schema, const char *name, const char **state,
                       ZdmError *err)
{
    *state = NULL;
    const char *tbl = progress_table(a, schema);
    bool exists;
    if (db_relation_exists(conn, tbl, &exists, err) < 0)
        return -1;
    if (!exists)
        return 0;
    const char *params[] = {name};
    PGresult *r = bf_query(conn, arena_printf(a, "SELECT state, rows_done FROM %s WHERE job = $1", tbl), 1, params,
                           "reading zdm_backfills", err);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        const char *st = PQgetvalue(r, 0, 0);
        *state = strcmp(st, "done") == 0
                     ? "done"
                     : arena_printf(a, "%s, %s rows updated so far", st, thousands(a, atoll(PQgetvalue(r, 0, 1))));
    }
    PQclear(r);
    return 0;
}

int backfill_check_required(Arena *a, PGconn *conn, const char *schema, const Migration *m, ZdmError *err)
{
    for (int i = 0; i < m->requires_backfill.len; i++) {
        const char *name = LIST_GET(&m->requires_backfill, i);
        const char *state;
        if (backfill_job_state(a, conn, schema, name, &state, err) < 0)
            return -1;
        if (state && strcmp(state, "done") == 0)
            continue;
        zdm_error(err, m->file, directive_line(m, name), 0,
                  "%s requires backfill job %s to be done, and it %s; run zdm backfill --file "
                  "db/backfills/%s.sql (or --resume %s) to the end, then migrate again",
                  m->name, name, state ? arena_printf(a, "is %s", state) : "has not run on this database", name,
                  name);
        err->kind = ERR_DATABASE;
        return -1;
    }
    return 0;
}
