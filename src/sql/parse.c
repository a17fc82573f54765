/*
 * parse.c — from a migration's text to located statements and directives.
 *
 * libpg_query gives each statement's stmt_location as the byte just after the
 * previous ';', so leading whitespace and comments belong to it; we skip them
 * to find the first token, which is where the user's eye goes. Directives live
 * in "--" comments, which the parse tree drops, so the raw-text scanner of
 * scan.c (which knows PostgreSQL's quoting) finds them.
 *
 * Migrations are parsed on several threads at once (libpg_query keeps its
 * state per thread); each thread's trees go to an arena of its own.
 */
#include <ctype.h>
#include <pg_query.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "../analysis/analysis.h"
#include "sql.h"


typedef struct LineComment {
    int offset; /* of the "--" */
    int end;    /* of the line */
} LineComment;

/* Every "--" comment outside strings, in order. */
static void find_line_comments(Arena *a, const char *text, int n, List *out)
{
    int i = 0;
    while (i < n) {
        if (text[i] == '-' && i + 1 < n && text[i + 1] == '-') {
            LineComment *lc = arena_alloc(a, sizeof *lc);
            lc->offset = i;
            i = sql_skip_quoted(text, i, n);
            lc->end = i;
            list_push(a, out, lc);
            continue;
        }
        int j = sql_skip_quoted(text, i, n);
        i = j > i ? j : i + 1;
    }
}

/* Next whitespace-separated word of s (advancing *s), or NULL. */
static const char *next_word(Arena *a, const char **s, const char *end)
{
    const char *p = *s;
    while (p < end && isspace((unsigned char)*p))
        p++;
    const char *w = p;
    while (p < end && !isspace((unsigned char)*p))
        p++;
    *s = p;
    return p > w ? arena_strndup(a, w, (size_t)(p - w)) : NULL;
}

/* Which statement a comment at off belongs to: the statement it precedes or
 * lies in, or the previous one when it trails that statement on its last line.
 * -1 means the whole file (before the first statement). */
static int owner_of_comment(const Migration *m, int off, const int *ends)
{
    if (m->nstmts == 0 || off < m->stmts[0]->offset)
        return -1;
    for (int k = 0; k < m->nstmts; k++) {
        if (off < ends[k])
            return k;
        bool last = k + 1 == m->nstmts;
        if (last || off < m->stmts[k + 1]->offset) {
            /* between statement k's end and the next statement's start */
            if (!memchr(m->text + ends[k], '\n', (size_t)(off - ends[k])) || last)
                return k;
            return k + 1;
        }
    }
    return m->nstmts - 1;
}

static int parse_directive(Arena *a, Migration *m, const LineComment *lc,
                           const int *ends, ZdmError *err)
{
    const char *p = m->text + lc->offset + 2;
    const char *end = m->text + lc->end;
    while (p < end && isspace((unsigned char)*p))
        p++;
    if ((size_t)(end - p) < 4 || strncmp(p, "zdm:", 4) != 0)
        return 0;
    int line, col;
    util_line_col(m->text, (int)(p - m->text), &line, &col);
    p += 4;
    const char *verb = next_word(a, &p, end);
    if (util_streq(verb, "allow")) {
        const char *rule = next_word(a, &p, end);
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *reason_end = end;
        while (reason_end > p && isspace((unsigned char)reason_end[-1]))
            reason_end--;
        if (!rule || reason_end == p)
            return zdm_error(err, m->file, line, col,
                             "zdm:allow needs a rule id and a reason: "
                             "-- zdm:allow <rule-id> <why it is safe here>");
        if (!rule_find(rule))
            return zdm_error(err, m->file, line, col,
                             "zdm:allow names an unknown rule '%s' (see `zdm rules`)", rule);
        Allow *al = arena_alloc(a, sizeof *al);
        al->rule = rule;
        al->reason = arena_strndup(a, p, (size_t)(reason_end - p));
        al->line = line;
        int owner = owner_of_comment(m, lc->offset, ends);
        list_push(a, owner < 0 ? &m->allows : &m->stmts[owner]->allows, al);
        return 0;
    }
    if (util_streq(verb, "phase")) {
        const char *what = next_word(a, &p, end);
        if (util_streq(what, "before-deploy"))
            m->directive = PHASE_BEFORE;
        else if (util_streq(what, "after-deploy"))
            m->directive = PHASE_AFTER;
        else
            return zdm_error(err, m->file, line, col,
                             "zdm:phase takes before-deploy or after-deploy, not '%s'",
                             what ? what : "");
        m->directive_line = line;
        return 0;
    }
    return zdm_error(err, m->file, line, col,
                     "unknown directive 'zdm:%s' (known: zdm:allow, zdm:phase)",
                     verb ? verb : "");
}

int sql_parse_migration(Arena *a, Migration *m, ZdmError *err)
{
    PgQueryParseResult r = pg_query_parse(m->text);
    if (r.error) {
        int line = 0, col = 0;
        int pos = r.error->cursorpos > 0 ? r.error->cursorpos - 1 : 0;
        util_line_col(m->text, pos, &line, &col);
        zdm_error(err, m->file, line, col, "syntax error: %s", r.error->message);
        pg_query_free_parse_result(r);
        return -1;
    }
    cJSON *root = sql_read_tree(a, r.parse_tree, strlen(r.parse_tree));
    pg_query_free_parse_result(r);
    if (!root)
        return zdm_error(err, m->file, 0, 0, "internal error: unreadable parse tree");

    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(root, "stmts");
    int n = cJSON_GetArraySize(stmts);
    int len = (int)m->len;
    m->stmts = arena_alloc(a, sizeof(Statement *) * (size_t)(n ? n : 1));
    int *ends = arena_alloc(a, sizeof(int) * (size_t)(n ? n : 1));
    m->nstmts = 0;
    const cJSON *raw;
    cJSON_ArrayForEach(raw, stmts) {
        int loc = node_int(raw, "stmt_location", 0);
        int slen = node_int(raw, "stmt_len", 0);
        int end = slen ? loc + slen : len;
        Statement *s = arena_alloc(a, sizeof *s);
        s->index = m->nstmts;
        s->offset = sql_skip_noise(m->text, loc, end);
        s->sql = m->text + s->offset;
        int e = end;
        while (e > s->offset && isspace((unsigned char)m->text[e - 1]))
            e--;
        s->len = e - s->offset;
        s->node = cJSON_GetObjectItemCaseSensitive(raw, "stmt");
        /* counted on from the previous statement: linear in the file */
        const Statement *prev = m->nstmts ? m->stmts[m->nstmts - 1] : NULL;
        util_line_col_from(m->text, prev ? prev->offset : 0, prev ? prev->line : 1,
                           prev ? prev->column : 1, s->offset, &s->line, &s->column);
        ends[m->nstmts] = e;
        m->stmts[m->nstmts++] = s;
    }

    List comments = {0};
    find_line_comments(a, m->text, len, &comments);
    for (int i = 0; i < comments.len; i++)
        if (parse_directive(a, m, LIST_GET(&comments, i), ends, err) < 0)
            return -1;
    return 0;
}

#define MAX_PARSE_THREADS 8

typedef struct ParseJob {
    History *h;
    int first, step; /* this job parses migrations first, first + step, ... */
    Arena *arena;
    int failed;      /* the first of its migrations that failed, or h->n */
    ZdmError err;
} ParseJob;

static void *parse_job(void *arg)
{
    ParseJob *j = arg;
    for (int i = j->first; i < j->h->n; i += j->step)
        if (sql_parse_migration(j->arena, j->h->items[i], &j->err) < 0) {
            j->failed = i;
            break;
        }
    return NULL;
}

int sql_parse_history(Arena *a, History *h, ZdmError *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cores < 1 ? 1 : cores > MAX_PARSE_THREADS ? MAX_PARSE_THREADS : (int)cores;
    if (h->n < 32)
        n = 1; /* starting threads costs more than a few files take */
    ParseJob jobs[MAX_PARSE_THREADS];
    pthread_t threads[MAX_PARSE_THREADS];
    bool started[MAX_PARSE_THREADS] = {false};
    for (int t = 0; t < n; t++) {
        jobs[t] = (ParseJob){.h = h, .first = t, .step = n, .failed = h->n};
        jobs[t].arena = t == 0 ? a : arena_new();
    }
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&threads[t], NULL, parse_job, &jobs[t]) == 0;
    parse_job(&jobs[0]);
    for (int t = 1; t < n; t++) {
        if (started[t])
            pthread_join(threads[t], NULL);
        else
            parse_job(&jobs[t]); /* no thread to be had: do its share here */
    }
    /* Every migration before the first failure (in order) was parsed: each
     * job stopped only at its own first failure, at or after that one. */
    int first = 0;
    for (int t = 1; t < n; t++) {
        if (jobs[t].failed < jobs[first].failed)
            first = t;
        arena_adopt(a, jobs[t].arena);
    }
    if (jobs[first].failed < h->n) {
        *err = jobs[first].err;
        return -1;
    }
    return 0;
}
