/*
 * backfill_job.c — the pure side of `zdm backfill`: reading job files and
 * ad-hoc definitions, the definition hash, the adaptive batch size and the
 * SQL a batch sends. Nothing here talks to the database (backfill.c does), so
 * all of it is unit-tested.
 *
 * The user's expressions are sent as written, inside zdm's own statement.
 * So that a fragment cannot change the statement around it, each is checked
 * first: no ';' and no ')' it did not open outside strings and comments (so
 * a WHERE cannot break out of the parentheses zdm puts around it), then
 * parsed by PostgreSQL's grammar (libpg_query) in the place it will take, so
 * a syntax error is reported at the line and column of the job file.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sql/sql.h"
#include "../util/sha256.h"
#include "backfill.h"
#include "../db/db.h"
#include "../sql/pg.h"

/* ---- settings ------------------------------------------------------------- */

void backfill_settings_unset(BackfillSettings *s)
{
    s->batch_size = s->min_batch = s->max_batch = -1;
    s->target_ms = s->pause_ms = s->max_lag_ms = s->max_active = s->locked_wait_ms = -1;
}

void backfill_settings_merge(BackfillSettings *s, const BackfillSettings *o)
{
#define MERGE(f) if (o->f >= 0) s->f = o->f
    MERGE(batch_size); MERGE(min_batch); MERGE(max_batch); MERGE(target_ms);
    MERGE(pause_ms); MERGE(max_lag_ms); MERGE(max_active); MERGE(locked_wait_ms);
#undef MERGE
}

int backfill_settings_finish(BackfillSettings *s, ZdmError *err)
{
    if (s->min_batch < 0)
        s->min_batch = s->batch_size > 0 && s->batch_size < BACKFILL_DEFAULT_MIN ? s->batch_size
                                                                                 : BACKFILL_DEFAULT_MIN;
    if (s->max_batch < 0)
        s->max_batch = s->batch_size > BACKFILL_DEFAULT_MAX ? s->batch_size : BACKFILL_DEFAULT_MAX;
    if (s->batch_size < 0)
        s->batch_size = BACKFILL_DEFAULT_BATCH < s->min_batch   ? s->min_batch
                        : BACKFILL_DEFAULT_BATCH > s->max_batch ? s->max_batch
                                                                : BACKFILL_DEFAULT_BATCH;
    if (s->target_ms < 0)
        s->target_ms = BACKFILL_DEFAULT_TARGET_MS;
    if (s->pause_ms < 0)
        s->pause_ms = 0;
    if (s->max_lag_ms < 0)
        s->max_lag_ms = 0;
    if (s->max_active < 0)
        s->max_active = 0;
    if (s->locked_wait_ms < 0)
        s->locked_wait_ms = BACKFILL_DEFAULT_LOCKED_WAIT_MS;
    if (s->min_batch < 1 || s->max_batch < s->min_batch || s->batch_size < s->min_batch ||
        s->batch_size > s->max_batch)
        return zdm_error(err, NULL, 0, 0,
                         "batch sizes must satisfy 1 <= min (%ld) <= first (%ld) <= max (%ld)",
                         s->min_batch, s->batch_size, s->max_batch);
    if (s->target_ms < 1)
        return zdm_error(err, NULL, 0, 0, "the target batch duration must be at least 1ms");
    return 0;
}

long backfill_next_batch_size(long cur, double elapsed_ms, double *row_ms, const BackfillSettings *s)
{
    /* The time a row takes: this batch's if it was slower than the running
     * average, the average otherwise. A slow batch is believed at once; a
     * fast one (cached pages, rows that no longer match) only in part, so
     * one fluke does not size the next batch to twice the target: the
     * target is what a write to a row of the batch may wait. */
    double r = cur > 0 && elapsed_ms > 0 ? elapsed_ms / (double)cur : 0;
    *row_ms = *row_ms > 0 ? 0.75 * *row_ms + 0.25 * r : r;
    double per = r > *row_ms ? r : *row_ms;
    /* and by x2 up, /4 down at most per step: steps follow each other every
     * target_ms, so a slow table is met fast */
    double next = per > 0 ? (double)s->target_ms / per : 2.0 * (double)cur;
    if (next > 2.0 * (double)cur)
        next = 2.0 * (double)cur;
    if (next < 0.25 * (double)cur)
        next = 0.25 * (double)cur;
    long n = next > (double)s->max_batch ? s->max_batch : (long)(next + 0.5);
    if (n < s->min_batch)
        n = s->min_batch;
    if (n > s->max_batch)
        n = s->max_batch;
    return n;
}

/* ---- fragments of the user's SQL ------------------------------------------- */

/* A piece of the user's SQL and where it came from, for messages. */
typedef struct Frag {
    const char *label;    /* "--where", for a fragment from the command line */
    const char *file;     /* the job file, or NULL */
    const char *filetext; /* the whole file */
    int base;             /* offset of text in filetext */
    const char *text;
    int len;
} Frag;

static int frag_error(const Frag *f, int off, ZdmError *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int frag_error(const Frag *f, int off, ZdmError *err, const char *fmt, ...)
{
    char msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (off < 0)
        off = 0;
    if (off > f->len)
        off = f->len;
    if (f->file) {
        int line, col;
        util_line_col(f->filetext, f->base + off, &line, &col);
        return zdm_error(err, f->file, line, col, "%s", msg);
    }
    return zdm_error(err, NULL, 0, 0, "%s: %s (at character %d of \"%.*s\")", f->label, msg, off + 1,
                     f->len > 200 ? 200 : f->len, f->text);
}

/* Whether the word at t[i] (case-insensitive, whole word) is w. */
static bool word_at(const char *t, int i, int end, const char *w)
{
    int n = (int)strlen(w);
    if (i + n > end || (i > 0 && sql_is_ident_char((unsigned char)t[i - 1])))
        return false;
    for (int k = 0; k < n; k++)
        if (tolower((unsigned char)t[i + k]) != w[k])
            return false;
    return i + n == end || !sql_is_ident_char((unsigned char)t[i + n]);
}

/*
 * Walks the fragment outside strings and comments. Fails on a ')' closing
 * more than the fragment opened and on a ';'. Returns the offset of the
 * first top-level occurrence of word (lower case) when word is given, -1
 * when there is none; *count gets the number of BACKFILL_PLACEHOLDERs.
 */
static int frag_scan(const Frag *f, const char *word, int *at, int *count, int *second, ZdmError *err)
{
    int depth = 0;
    if (at)
        *at = -1;
    if (count)
        *count = 0;
    int plen = (int)strlen(BACKFILL_PLACEHOLDER);
    for (int i = 0; i < f->len;) {
        int j = sql_skip_quoted(f->text, i, f->len);
        if (j > i) {
            i = j;
            continue;
        }
        char ch = f->text[i];
        if (ch == '(')
            depth++;
        else if (ch == ')' && --depth < 0)
            return frag_error(f, i, err, "this ')' closes a parenthesis the %s did not open",
                              f->label ? "expression" : "statement");
        else if (ch == ';')
            return frag_error(f, i, err, "';' ends the statement: a job is one %s",
                              f->label ? "expression" : "statement");
        else if (count && i + plen <= f->len && memcmp(f->text + i, BACKFILL_PLACEHOLDER, (size_t)plen) == 0) {
            if (++*count == 2 && second)
                *second = i;
            i += plen;
            continue;
        } else if (word && at && *at < 0 && depth == 0 && word_at(f->text, i, f->len, word))
            *at = i;
        i++;
    }
    return 0;
}

/* Parses prefix + fragment + suffix: the fragment where it will stand.
 * Returns the statement, of type want (an UpdateStmt or a SelectStmt), or
 * NULL. */
static const Node *frag_parse(Arena *a, const Frag *f, const char *text, const char *prefix,
                              const char *suffix, NodeTag want, ZdmError *err)
{
    const char *sql = arena_printf(a, "%s%.*s%s", prefix, f->len, text, suffix);
    PgList *stmts;
    SqlSyntaxError e;
    if (sql_parse_text(a, sql, &stmts, &e) < 0) {
        int pos = e.offset >= 0 ? e.offset - (int)strlen(prefix) : f->len;
        frag_error(f, pos, err, "%s%s", strncmp(e.message, "syntax error", 12) ? "syntax error: " : "",
                   e.message);
        return NULL;
    }
    if (list_length(stmts) != 1) {
        frag_error(f, 0, err, "expected one %s", f->label ? "expression" : "statement");
        return NULL;
    }
    const Node *stmt = linitial_node(RawStmt, stmts)->stmt;
    if (nodeTag(stmt) != want) {
        frag_error(f, 0, err, "expected %s", want == T_UpdateStmt ? "an UPDATE" : "an expression");
        return NULL;
    }
    return stmt;
}

/* A condition: WHERE or zdm:check. */
static int check_condition(Arena *a, const Frag *f, ZdmError *err)
{
    if (frag_scan(f, NULL, NULL, NULL, NULL, err) < 0)
        return -1;
    int k = sql_skip_noise(f->text, 0, f->len);
    if (k >= f->len)
        return frag_error(f, 0, err, "empty condition");
    return frag_parse(a, f, f->text, "SELECT 1 WHERE (\n", "\n)", T_SelectStmt, err) ? 0 : -1;
}

/* The assignments of SET: one UPDATE's SET list and nothing more. */
static int check_set(Arena *a, const Frag *f, ZdmError *err)
{
    int at;
    if (frag_scan(f, "from", &at, NULL, NULL, err) < 0)
        return -1;
    if (sql_skip_noise(f->text, 0, f->len) >= f->len)
        return frag_error(f, 0, err, "empty SET: give the assignments, col = expression, ...");
    if (at >= 0)
        return frag_error(f, at, err, "FROM in SET: a job that reads other tables is a full UPDATE "
                                      "with " BACKFILL_PLACEHOLDER " in a job file (docs/backfill.md)");
    const Node *n = frag_parse(a, f, f->text, "UPDATE zdm_t SET\n", "\n", T_UpdateStmt, err);
    if (!n)
        return -1;
    const UpdateStmt *u = castNode(UpdateStmt, n);
    const void *const extra[] = {u->whereClause, u->fromClause, u->returningClause};
    for (int i = 0; i < 3; i++)
        if (extra[i]) {
            const char *w = i == 0 ? "where" : "returning";
            frag_scan(f, w, &at, NULL, NULL, err);
            return frag_error(f, at, err, "%s in SET: %s", i == 0 ? "WHERE" : "RETURNING",
                              i == 0 ? (f->label ? "give the condition with --where" : "")
                                     : "a job returns nothing");
        }
    return 0;
}

/* ---- the definition -------------------------------------------------------- */

const char *backfill_canonical_sql(Arena *a, const char *sql)
{
    StrBuf sb;
    sb_init(&sb, a);
    int n = (int)strlen(sql);
    bool space = false;
    for (int i = 0; i < n;) {
        int j = sql_skip_quoted(sql, i, n);
        if (j > i && (sql[i] == '-' || sql[i] == '/')) { /* a comment */
            space = true;
            i = j;
            continue;
        }
        if (isspace((unsigned char)sql[i])) {
            space = true;
            i++;
            continue;
        }
        if (space && sb.len)
            sb_append(&sb, " ");
        space = false;
        int k = j > i ? j : i + 1;
        sb_appendn(&sb, sql + i, (size_t)(k - i));
        i = k;
    }
    return sb.data;
}

void backfill_job_hash(BackfillJob *job)
{
    Arena *a = arena_new();
    const char *def;
    if (job->update)
        def = arena_printf(a, "update-form\nupdate=%s\ncheck=%s\n", backfill_canonical_sql(a, job->update),
                           job->check ? backfill_canonical_sql(a, job->check) : "");
    else
        def = arena_printf(a, "set-form\ntable=%s\nset=%s\nwhere=%s\n", job->table,
                           backfill_canonical_sql(a, job->set),
                           job->where ? backfill_canonical_sql(a, job->where) : "");
    sha256_hex(def, strlen(def), job->sha256);
    arena_free(a);
}

static const char *trim_dup(Arena *a, const char *s, int n)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return arena_strndup(a, s, (size_t)n);
}

int backfill_job_adhoc(Arena *a, const char *table, const char *set, const char *where,
                       BackfillJob *job, ZdmError *err)
{
    BackfillSettings keep = job->settings;
    const char *name = job->name;
    memset(job, 0, sizeof *job);
    job->settings = keep;
    if (!table || !*table)
        return zdm_error(err, NULL, 0, 0, "no table given (see zdm backfill --help)");
    if (!set)
        return zdm_error(err, NULL, 0, 0, "--set is required: the assignments the job makes, "
                                          "--set \"col = expression, ...\"");
    Frag fs = {.label = "--set", .text = set, .len = (int)strlen(set)};
    if (check_set(a, &fs, err) < 0)
        return -1;
    if (where) {
        Frag fw = {.label = "--where", .text = where, .len = (int)strlen(where)};
        if (check_condition(a, &fw, err) < 0)
            return -1;
    }
    job->table = table;
    job->set = trim_dup(a, set, (int)strlen(set));
    job->where = where ? trim_dup(a, where, (int)strlen(where)) : NULL;
    job->check = job->where;
    job->name = name ? name : table;
    backfill_job_hash(job);
    return 0;
}

/* ---- job files ---------------------------------------------------------------- */

static int parse_count(const Frag *f, int off, const char *v, long *out, long min, ZdmError *err)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < min || n > 100000000)
        return frag_error(f, off, err, "expected a whole number from %ld, not '%s'", min, v);
    *out = n;
    return 0;
}

static int parse_duration(const Frag *f, int off, const char *v, long *out, ZdmError *err)
{
    if (db_parse_duration_ms(v, out) < 0)
        return frag_error(f, off, err, "expected a duration such as 200ms, 2s or 1min, not '%s'", v);
    return 0;
}

static const char *const known_settings =
    "table, check, batch-size, min-batch-size, max-batch-size, target, pause, "
    "max-replication-lag, max-active-connections, locked-rows-wait";

/* One "-- zdm:<setting> <value>" line; off is the offset of "zdm:". */
static int file_setting(Arena *a, const Frag *file, int off, int end, BackfillJob *job,
                        const char **check_text, int *check_off, const char **table, ZdmError *err)
{
    const char *t = file->text;
    int i = off + 4;
    int vs = i;
    while (vs < end && !isspace((unsigned char)t[vs]))
        vs++;
    const char *key = arena_strndup(a, t + i, (size_t)(vs - i));
    while (vs < end && isspace((unsigned char)t[vs]))
        vs++;
    int ve = end;
    while (ve > vs && isspace((unsigned char)t[ve - 1]))
        ve--;
    const char *v = arena_strndup(a, t + vs, (size_t)(ve - vs));
    if (!*v && strcmp(key, "") != 0)
        return frag_error(file, off, err, "zdm:%s needs a value", key);
    BackfillSettings *s = &job->settings;
    long *slot = NULL;
    bool duration = false;
    long min = 1;
    if (strcmp(key, "table") == 0) {
        if (*table)
            return frag_error(file, off, err, "zdm:table given twice");
        *table = v;
        return 0;
    } else if (strcmp(key, "check") == 0) {
        if (*check_text)
            return frag_error(file, off, err, "zdm:check given twice");
        *check_text = v;
        *check_off = vs;
        return 0;
    } else if (strcmp(key, "batch-size") == 0) {
        slot = &s->batch_size;
    } else if (strcmp(key, "min-batch-size") == 0) {
        slot = &s->min_batch;
    } else if (strcmp(key, "max-batch-size") == 0) {
        slot = &s->max_batch;
    } else if (strcmp(key, "target") == 0) {
        slot = &s->target_ms, duration = true;
    } else if (strcmp(key, "pause") == 0) {
        slot = &s->pause_ms, duration = true;
    } else if (strcmp(key, "max-replication-lag") == 0) {
        slot = &s->max_lag_ms, duration = true;
    } else if (strcmp(key, "max-active-connections") == 0) {
        slot = &s->max_active;
    } else if (strcmp(key, "locked-rows-wait") == 0) {
        slot = &s->locked_wait_ms, duration = true;
    } else {
        return frag_error(file, off, err, "unknown setting 'zdm:%s' (known: %s)", key, known_settings);
    }
    if (*slot >= 0)
        return frag_error(file, off, err, "zdm:%s given twice", key);
    return duration ? parse_duration(file, vs, v, slot, err) : parse_count(file, vs, v, slot, min, err);
}

int backfill_parse_file(Arena *a, const char *path, const char *text, size_t len,
                        BackfillJob *job, ZdmError *err)
{
    memset(job, 0, sizeof *job);
    backfill_settings_unset(&job->settings);
    job->file = path;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    job->name = bl > 4 && strcmp(base + bl - 4, ".sql") == 0 ? arena_strndup(a, base, bl - 4) : base;
    int n = (int)len;
    if (memchr(text, '\0', len))
        return zdm_error(err, path, 0, 0, "not a text file (it holds a NUL byte)");
    Frag file = {.file = path, .filetext = text, .base = 0, .text = text, .len = n};

    /* settings, in "-- zdm:" comments anywhere outside strings */
    const char *table = NULL, *check = NULL;
    int check_off = 0;
    for (int i = 0; i < n;) {
        int j = sql_skip_quoted(text, i, n);
        if (j > i) {
            if (text[i] == '-') {
                int k = i + 2;
                while (k < j && (text[k] == ' ' || text[k] == '\t'))
                    k++;
                if (j - k >= 4 && strncmp(text + k, "zdm:", 4) == 0 &&
                    file_setting(a, &file, k, j, job, &check, &check_off, &table, err) < 0)
                    return -1;
            }
            i = j;
            continue;
        }
        i++;
    }

    /* the statement */
    int start = sql_skip_noise(text, 0, n);
    if (start >= n)
        return zdm_error(err, path, 0, 0, "no statement: a job file holds SET ... [WHERE ...] "
                                          "(with -- zdm:table NAME) or UPDATE ... WHERE ... AND " BACKFILL_PLACEHOLDER);
    int end = n;
    for (int i = start, depth = 0; i < n;) {
        int j = sql_skip_quoted(text, i, n);
        if (j > i) {
            i = j;
            continue;
        }
        if (text[i] == '(')
            depth++;
        else if (text[i] == ')')
            depth--;
        else if (text[i] == ';' && depth <= 0) {
            end = i;
            int next = sql_skip_noise(text, i + 1, n);
            if (next < n)
                return frag_error(&file, next, err, "a job file holds one statement; this is a second one");
            break;
        }
        i++;
    }
    bool is_set = word_at(text, start, n, "set");
    bool is_update = word_at(text, start, n, "update");
    if (!is_set && !is_update)
        return frag_error(&file, start, err, "a job file's statement is SET ... [WHERE ...] or "
                                             "UPDATE ... WHERE ... AND " BACKFILL_PLACEHOLDER);
    if (is_set) {
        if (!table)
            return frag_error(&file, start, err, "a SET job needs its table: add -- zdm:table NAME");
        if (check)
            return frag_error(&file, check_off, err, "zdm:check is for the UPDATE form: a SET job's "
                                                     "WHERE is its check");
        int s0 = start + 3;
        Frag stmt = {.file = path, .filetext = text, .base = s0, .text = text + s0, .len = end - s0};
        int where_at;
        if (frag_scan(&stmt, "where", &where_at, NULL, NULL, err) < 0)
            return -1;
        int set_end = where_at >= 0 ? s0 + where_at : end;
        Frag fs = {.file = path, .filetext = text, .base = s0, .text = text + s0, .len = set_end - s0};
        if (check_set(a, &fs, err) < 0)
            return -1;
        job->set = trim_dup(a, fs.text, fs.len);
        if (where_at >= 0) {
            int w0 = set_end + 5;
            Frag fw = {.file = path, .filetext = text, .base = w0, .text = text + w0, .len = end - w0};
            if (check_condition(a, &fw, err) < 0)
                return -1;
            job->where = trim_dup(a, fw.text, fw.len);
        }
        job->table = table;
        job->check = job->where;
    } else {
        if (table)
            return frag_error(&file, start, err, "zdm:table is for the SET form: this UPDATE names its table");
        Frag fu = {.file = path, .filetext = text, .base = start, .text = text + start, .len = end - start};
        int count, second = 0;
        if (frag_scan(&fu, NULL, NULL, &count, &second, err) < 0)
            return -1;
        if (count == 0)
            return frag_error(&fu, 0, err, "the UPDATE needs " BACKFILL_PLACEHOLDER " where zdm puts the "
                                           "batch's condition: UPDATE ... WHERE ... AND " BACKFILL_PLACEHOLDER);
        if (count > 1)
            return frag_error(&fu, second, err, BACKFILL_PLACEHOLDER " appears twice: give it once");
        /* parse it with the placeholder as a condition of the same length,
         * so positions in errors stay those of the file */
        char *probe = arena_strndup(a, fu.text, (size_t)fu.len);
        char *ph = strstr(probe, BACKFILL_PLACEHOLDER);
        while (ph && sql_skip_quoted(probe, (int)(ph - probe), fu.len) != (int)(ph - probe))
            ph = strstr(ph + 1, BACKFILL_PLACEHOLDER);
        if (ph)
            memcpy(ph, "(true)   ", 9);
        const Node *n = frag_parse(a, &fu, probe, "", "\n", T_UpdateStmt, err);
        if (!n)
            return -1;
        const UpdateStmt *u = castNode(UpdateStmt, n);
        if (u->returningClause)
            return frag_error(&fu, 0, err, "RETURNING in a job's UPDATE: zdm counts the rows itself");
        if (u->withClause)
            return frag_error(&fu, 0, err, "WITH before a job's UPDATE: zdm puts its own WITH there; "
                                           "write the query as a subquery in FROM");
        const RangeVar *rel = u->relation;
        const char *schema = rel->schemaname;
        const char *relname = rel->relname;
        const char *alias = rel->alias ? rel->alias->aliasname : NULL;
        if (!relname)
            return frag_error(&fu, 0, err, "expected UPDATE <table>");
        job->table = schema ? arena_printf(a, "%s.%s", db_quote_ident(a, schema), db_quote_ident(a, relname))
                            : db_quote_ident(a, relname);
        job->alias = alias ? alias : relname;
        job->update = trim_dup(a, fu.text, fu.len);
        if (check) {
            Frag fc = {.file = path, .filetext = text, .base = check_off, .text = text + check_off,
                       .len = (int)strlen(check)};
            if (check_condition(a, &fc, err) < 0)
                return -1;
            job->check = check;
        }
    }
    backfill_job_hash(job);
    return 0;
}

/* ---- the SQL of a batch ------------------------------------------------------ */

/* k1, k2 (with a qualifier), or zdm_k1, zdm_k2 (qual "zdm_"). */
static void key_list(StrBuf *sb, const BackfillTarget *t, const char *qual)
{
    for (int i = 0; i < t->nkeys; i++) {
        if (i)
            sb_append(sb, ", ");
        if (qual && strcmp(qual, "zdm_") == 0)
            sb_printf(sb, "zdm_k%d", i + 1);
        else if (qual)
            sb_printf(sb, "%s.%s", qual, t->key_names[i]);
        else
            sb_append(sb, t->key_names[i]);
    }
}

/* k1 or (k1, k2): a row comparison needs the parentheses, one column not. */
static void key_row(StrBuf *sb, const BackfillTarget *t, const char *qual)
{
    if (t->nkeys > 1)
        sb_append(sb, "(");
    key_list(sb, t, qual);
    if (t->nkeys > 1)
        sb_append(sb, ")");
}

/* $n::type1 or ($n::type1, $n+1::type2). Every parameter is sent as text
 * and cast here, so one parameter can serve as a key and as text. */
static void param_row(StrBuf *sb, const BackfillTarget *t, int first)
{
    if (t->nkeys > 1)
        sb_append(sb, "(");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(sb, "%s$%d::%s", i ? ", " : "", first + i, t->key_types[i]);
    if (t->nkeys > 1)
        sb_append(sb, ")");
}

/* "ARRAY[zdm_k1::text, ...] AS key FROM (<the rows of FROM_WHERE> EXCEPT <the
 * locked ones>) zdm_s": the rows another session holds. EXCEPT, not NOT
 * EXISTS or NOT IN: those are joins against a CTE whose size the planner
 * guesses, and a nested-loop anti-join over a batch of n rows costs n^2/2
 * (measured: 170 ms for 1,000 rows of a table never ANALYZEd). A set
 * operation hashes or sorts: linear or n log n whatever the estimate. */
static void locked_by_others(StrBuf *sb, const BackfillTarget *t)
{
    sb_append(sb, "ARRAY[");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(sb, "%szdm_k%d::text", i ? ", " : "", i + 1);
    sb_append(sb, "] AS key FROM (SELECT ");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(sb, "%s%s AS zdm_k%d", i ? ", " : "", t->key_names[i], i + 1);
    sb_printf(sb, " FROM %s AS %s WHERE ", t->qualified, t->alias);
}

static void locked_by_others_end(StrBuf *sb, const BackfillTarget *t)
{
    sb_append(sb, " EXCEPT SELECT ");
    key_list(sb, t, "zdm_");
    sb_append(sb, " FROM zdm_todo) zdm_s");
}

/* "AND (check)" on lines of their own: a "--" comment at the end of the
 * user's text cannot swallow what follows. */
static void and_check(StrBuf *sb, const BackfillJob *job)
{
    if (job->check)
        sb_printf(sb, " AND (\n%s\n)", job->check);
}

static void key_range(StrBuf *sb, const BackfillTarget *t, bool lower, int lower_param, int upper_param)
{
    if (lower) {
        key_row(sb, t, NULL);
        sb_append(sb, " > ");
        param_row(sb, t, lower_param);
        sb_append(sb, " AND ");
    }
    key_row(sb, t, NULL);
    sb_append(sb, " <= ");
    param_row(sb, t, upper_param);
}

/* "SELECT k1 AS zdm_k1, ... FROM table WHERE <range> ORDER BY k1, ...": the
 * keys of the range in order, over the bound query's parameters */
static void ordered_keys(StrBuf *sb, const BackfillTarget *t, bool lower)
{
    sb_append(sb, "SELECT ");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(sb, "%s%s AS zdm_k%d", i ? ", " : "", t->key_names[i], i + 1);
    sb_printf(sb, " FROM %s WHERE ", t->qualified);
    key_range(sb, t, lower, 2, lower ? 2 + t->nkeys : 2);
    sb_append(sb, " ORDER BY ");
    key_list(sb, t, NULL);
}

const char *backfill_bound_sql(Arena *a, const BackfillTarget *t, bool lower, bool tail)
{
    StrBuf sb;
    sb_init(&sb, a);
    if (!tail) {
        /* the $1-th key: an index-only scan that keeps nothing (measured: a
         * fifth of the time of the tail's form, which sorts what it read).
         * The select list casts outside the subquery: "ORDER BY id" under
         * "SELECT id::text" made the planner sort the whole range. */
        sb_append(&sb, "SELECT ");
        for (int i = 0; i < t->nkeys; i++)
            sb_printf(&sb, "zdm_k%d::text, ", i + 1);
        sb_append(&sb, "$1::bigint FROM (");
        ordered_keys(&sb, t, lower);
        sb_append(&sb, " OFFSET $1::bigint - 1 LIMIT 1) zdm_s");
        return sb.data;
    }
    sb_append(&sb, "WITH zdm_range AS (");
    ordered_keys(&sb, t, lower);
    sb_append(&sb, " LIMIT $1::bigint)\nSELECT ");
    /* the text copies get names of their own: ORDER BY would take an
     * output column named zdm_k1 before the key, and sort it as text */
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(&sb, "zdm_k%d::text AS zdm_t%d, ", i + 1, i + 1);
    sb_append(&sb, "(SELECT count(*) FROM zdm_range) FROM zdm_range ORDER BY ");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(&sb, "%szdm_k%d DESC", i ? ", " : "", i + 1);
    sb_append(&sb, " LIMIT 1");
    return sb.data;
}

/* "qual.k1 = ANY (ARRAY(rows))", or "(qual.k1, qual.k2) IN (rows)": the row's
 * key is among those rows selects as zdm_k1, zdm_k2. One key column: "= ANY
 * (ARRAY(...))" is one index scan over the sorted keys, where IN would hash
 * them and probe the index once per row (measured: a 20,000-row batch 20-25%
 * faster). A row of several columns has no such index scan. The key is one
 * a concurrent update cannot change (the batch holds the row), so the
 * UPDATE's recheck of a row updated since its snapshot still finds it. */
static void key_in(StrBuf *sb, const BackfillTarget *t, const char *qual, const char *rows)
{
    key_row(sb, t, qual);
    if (t->nkeys == 1)
        sb_printf(sb, " = ANY (ARRAY(%s))", rows);
    else
        sb_printf(sb, " IN (%s)", rows);
}

/* "SELECT zdm_k1, zdm_k2 FROM cte" */
static const char *keys_of(Arena *a, const BackfillTarget *t, const char *cte)
{
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "SELECT ");
    key_list(&sb, t, "zdm_");
    sb_printf(&sb, " FROM %s", cte);
    return sb.data;
}

/* The job's UPDATE limited to the rows cond names. */
static const char *update_where(Arena *a, const BackfillTarget *t, const BackfillJob *job, const char *cond)
{
    if (!job->update)
        return arena_printf(a, "UPDATE %s SET\n%s\nWHERE %s", t->qualified, job->set, cond);
    /* the placeholder outside strings and comments (the parser saw it there) */
    const char *u = job->update;
    int n = (int)strlen(u), plen = (int)strlen(BACKFILL_PLACEHOLDER);
    for (int i = 0; i < n;) {
        int j = sql_skip_quoted(u, i, n);
        if (j > i) {
            i = j;
            continue;
        }
        if (i + plen <= n && memcmp(u + i, BACKFILL_PLACEHOLDER, (size_t)plen) == 0)
            return arena_printf(a, "%.*s%s%s\n", i, u, cond, u + i + plen);
        i++;
    }
    return arena_printf(a, "%s\n", u);
}

const char *backfill_update_sql(Arena *a, const BackfillTarget *t, const BackfillJob *job)
{
    StrBuf cond;
    sb_init(&cond, a);
    key_in(&cond, t, t->alias, keys_of(a, t, "zdm_todo"));
    return update_where(a, t, job, cond.data);
}

/* "alias.ctid AS zdm_c, k1 AS zdm_k1, ...": a row's place and its key */
static void select_row(StrBuf *sb, const BackfillTarget *t)
{
    if (t->by_ctid)
        sb_printf(sb, "%s.ctid AS zdm_c, ", t->alias);
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(sb, "%s%s AS zdm_k%d", i ? ", " : "", t->key_names[i], i + 1);
}

const char *backfill_batch_sql(Arena *a, const BackfillTarget *t, const BackfillJob *job,
                               const char *schema, bool lower)
{
    const char *progress = arena_printf(a, "%s.%s", db_quote_ident(a, schema), BACKFILL_TABLE);
    const char *skipped = arena_printf(a, "%s.%s", db_quote_ident(a, schema), BACKFILL_SKIPPED_TABLE);
    int lo = 3, hi = lower ? 3 + t->nkeys : 3;
    StrBuf sb;
    sb_init(&sb, a);
    /* the rows of the range still to do, as the statement's snapshot has them */
    sb_append(&sb, "WITH zdm_cand AS (SELECT ");
    select_row(&sb, t);
    sb_printf(&sb, " FROM %s AS %s WHERE ", t->qualified, t->alias);
    key_range(&sb, t, lower, lo, hi);
    and_check(&sb, job);
    sb_append(&sb, "),\n");
    /* those of them no other session holds, locked (SKIP LOCKED: never wait).
     * A row updated since the snapshot is locked in its newest version if
     * it still matches the check (which is why it is checked again) */
    sb_append(&sb, "zdm_todo AS (SELECT ");
    select_row(&sb, t);
    sb_printf(&sb, " FROM %s AS %s WHERE ", t->qualified, t->alias);
    if (t->by_ctid)
        sb_printf(&sb, "%s.ctid = ANY (ARRAY(SELECT zdm_c FROM zdm_cand))", t->alias);
    else
        key_range(&sb, t, lower, lo, hi);
    and_check(&sb, job);
    sb_append(&sb, " FOR NO KEY UPDATE SKIP LOCKED),\n");
    if (t->by_ctid) {
        /* the update, found by place: a TID scan, where the key would cost
         * an index search per row (measured: batches 25-40% faster). A row
         * locked in a version newer than the snapshot is not where the
         * snapshot sees it; the rare batch holding one updates it by key,
         * which follows it to the version locked. */
        sb_printf(&sb, "zdm_upd AS (\n%s RETURNING ",
                  update_where(a, t, job, arena_printf(a, "%s.ctid = ANY (ARRAY(SELECT zdm_c FROM zdm_todo))",
                                                       t->alias)));
        for (int i = 0; i < t->nkeys; i++)
            sb_printf(&sb, "%s%s.%s AS zdm_k%d", i ? ", " : "", t->alias, t->key_names[i], i + 1);
        sb_append(&sb, "),\n");
        StrBuf cond;
        sb_init(&cond, a);
        key_in(&cond, t, t->alias, arena_printf(a, "%s EXCEPT %s", keys_of(a, t, "zdm_todo"),
                                                keys_of(a, t, "zdm_upd")));
        sb_append(&cond, " AND (SELECT count(*) FROM zdm_upd) < (SELECT count(*) FROM zdm_todo)");
        sb_printf(&sb, "zdm_moved AS (\n%s RETURNING 1),\n", update_where(a, t, job, cond.data));
        sb_append(&sb, "zdm_done AS (SELECT 1 FROM zdm_upd UNION ALL SELECT 1 FROM zdm_moved),\n");
    } else {
        sb_printf(&sb, "zdm_done AS (\n%s RETURNING 1),\n", backfill_update_sql(a, t, job));
    }
    /* the rows another session holds, to retry at the end: the candidates
     * not locked (EXCEPT: see locked_by_others), looked for only when some
     * are missing */
    sb_printf(&sb, "zdm_skipped AS (INSERT INTO %s (job, key) SELECT $1, ARRAY[", skipped);
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(&sb, "%szdm_k%d::text", i ? ", " : "", i + 1);
    sb_printf(&sb, "] FROM (%s EXCEPT %s) zdm_s WHERE (SELECT count(*) FROM zdm_todo) < (SELECT count(*) FROM zdm_cand)"
                   " ON CONFLICT DO NOTHING RETURNING 1),\n", keys_of(a, t, "zdm_cand"), keys_of(a, t, "zdm_todo"));
    /* and the progress, in the same statement: all of it or none */
    sb_printf(&sb, "zdm_progress AS (UPDATE %s SET last_key = ARRAY[", progress);
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(&sb, "%s$%d", i ? ", " : "", hi + i);
    sb_append(&sb, "], rows_done = rows_done + (SELECT count(*) FROM zdm_done),"
                   " rows_scanned = rows_scanned + $2::bigint,"
                   " rows_skipped = rows_skipped + (SELECT count(*) FROM zdm_skipped),"
                   " batches = batches + 1, updated_at = clock_timestamp() WHERE job = $1 RETURNING 1)\n"
                   "SELECT (SELECT count(*) FROM zdm_done), (SELECT count(*) FROM zdm_skipped),"
                   " (SELECT count(*) FROM zdm_progress)");
    return sb.data;
}

const char *backfill_retry_sql(Arena *a, const BackfillTarget *t, const BackfillJob *job,
                               const char *schema)
{
    const char *progress = arena_printf(a, "%s.%s", db_quote_ident(a, schema), BACKFILL_TABLE);
    const char *skipped = arena_printf(a, "%s.%s", db_quote_ident(a, schema), BACKFILL_SKIPPED_TABLE);
    StrBuf keys; /* the pending keys, typed */
    sb_init(&keys, a);
    sb_append(&keys, "(SELECT ");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(&keys, "%skey[%d]::%s", i ? ", " : "", i + 1, t->key_types[i]);
    sb_append(&keys, " FROM zdm_pending)");
    StrBuf sb;
    sb_init(&sb, a);
    sb_printf(&sb, "WITH zdm_pending AS (SELECT key FROM %s WHERE job = $1 AND ($3::text[] IS NULL OR key > $3::text[])"
                   " ORDER BY key LIMIT $2::bigint),\n", skipped);
    sb_append(&sb, "zdm_todo AS (SELECT ");
    for (int i = 0; i < t->nkeys; i++)
        sb_printf(&sb, "%s%s AS zdm_k%d", i ? ", " : "", t->key_names[i], i + 1);
    sb_printf(&sb, " FROM %s AS %s WHERE ", t->qualified, t->alias);
    key_row(&sb, t, NULL);
    sb_printf(&sb, " IN %s", keys.data);
    and_check(&sb, job);
    sb_append(&sb, " FOR NO KEY UPDATE SKIP LOCKED),\n");
    sb_printf(&sb, "zdm_done AS (\n%s RETURNING 1),\n", backfill_update_sql(a, t, job));
    sb_append(&sb, "zdm_locked AS (SELECT ");
    locked_by_others(&sb, t);
    key_row(&sb, t, NULL);
    sb_printf(&sb, " IN %s", keys.data);
    and_check(&sb, job);
    locked_by_others_end(&sb, t);
    sb_append(&sb, "),\n");
    sb_printf(&sb, "zdm_cleared AS (DELETE FROM %s WHERE job = $1 AND key IN (SELECT key FROM zdm_pending EXCEPT"
                   " SELECT key FROM zdm_locked) RETURNING 1),\n", skipped);
    sb_printf(&sb, "zdm_progress AS (UPDATE %s SET rows_done = rows_done + (SELECT count(*) FROM zdm_done),"
                   " rows_skipped = rows_skipped - (SELECT count(*) FROM zdm_cleared),"
                   " updated_at = clock_timestamp() WHERE job = $1 RETURNING 1)\n", progress);
    sb_append(&sb, "SELECT (SELECT count(*) FROM zdm_pending), (SELECT count(*) FROM zdm_done),"
                   " (SELECT count(*) FROM zdm_locked), (SELECT max(key)::text FROM zdm_pending),"
                   " (SELECT count(*) FROM zdm_progress)");
    return sb.data;
}
