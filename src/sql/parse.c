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
 * state per thread); each thread's statements go to an arena of its own,
 * and each migration's tree to a memory context of its own (tree_new).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analysis/analysis.h"
#include "sql.h"
#include "pg.h"

/* A grammar of another major must be a deliberate upgrade (new nodes and
 * syntax to model), so a mismatch stops the build. */
#if PG_VERSION_NUM / 10000 != SQL_PG_NEWEST
#error "libpg_query is not PostgreSQL 18's grammar: run scripts/install-deps"
#endif

int sql_pg_version_arg(const char *val, ZdmError *err)
{
    char *end;
    long v = strtol(val, &end, 10);
    if (!*val || *end || v < SQL_PG_OLDEST || v > SQL_PG_NEWEST)
        return zdm_error(err, NULL, 0, 0, "--pg-version takes %d to %d, not '%s'", SQL_PG_OLDEST,
                         SQL_PG_NEWEST, val);
    return (int)v;
}

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
    if (util_streq(verb, "requires-backfill")) {
        /* a job of `zdm backfill` that must be done before this migration runs */
        const char *job = next_word(a, &p, end);
        const char *extra = next_word(a, &p, end);
        if (!job || extra)
            return zdm_error(err, m->file, line, col,
                             "zdm:requires-backfill takes one job name: "
                             "-- zdm:requires-backfill <job> (db/backfills/<job>.sql)");
        list_push(a, &m->requires_backfill, (void *)job);
        return 0;
    }
    return zdm_error(err, m->file, line, col,
                     "unknown directive 'zdm:%s' (known: zdm:allow, zdm:phase, zdm:requires-backfill)",
                     verb ? verb : "");
}

/*
 * A parse tree's memory context. It has no parent: a context under the
 * parsing thread's TopMemoryContext would be deleted when that thread ends
 * (libpg_query frees a thread's contexts at its exit), and the tree is
 * freed on another thread, the replay's, which must share no context
 * hierarchy with the parsing thread's. Its first block is not of one of
 * PostgreSQL's standard sizes, so deleting it frees its memory instead of
 * keeping it for reuse in the deleting thread's free list (aset.c).
 */
static MemoryContext tree_new(void)
{
    return AllocSetContextCreate(NULL, "zdm parse tree", 0, 4 * 1024, ALLOCSET_DEFAULT_MAXSIZE);
}

static void tree_free(void *tree)
{
    MemoryContextDelete(tree);
}

/* Parses text into a tree of its own (*tree): a List of RawStmt. On a
 * syntax error returns -1 with *e filled (its message in a). */
static int raw_parse(Arena *a, const char *text, PgList **stmts, MemoryContext *tree,
                     SqlSyntaxError *e)
{
    /* libpg_query's set-up of this thread (and of its stack-depth check) */
    MemoryContext lib = pg_query_enter_memory_context();
    MemoryContext t = tree_new();
    MemoryContextSwitchTo(t);
    PgQueryInternalParsetreeAndError r = pg_query_raw_parse(text, PG_QUERY_PARSE_DEFAULT);
    MemoryContextSwitchTo(lib);
    pg_query_exit_memory_context(lib);
    free(r.stderr_buffer);
    if (r.error) {
        e->message = arena_strdup(a, r.error->message);
        e->offset = r.error->cursorpos > 0 ? r.error->cursorpos - 1 : -1;
        pg_query_free_error(r.error);
        MemoryContextDelete(t);
        return -1;
    }
    *stmts = r.tree;
    *tree = t;
    return 0;
}

int sql_parse_text(Arena *a, const char *text, PgList **stmts, SqlSyntaxError *e)
{
    MemoryContext tree;
    if (raw_parse(a, text, stmts, &tree, e) < 0)
        return -1;
    arena_on_free(a, tree_free, tree);
    return 0;
}

/* Parses m: its statements into a; the tree lives as long as a, or, when
 * apart, in m->tree until sql_drop_tree. */
static int parse_into(Arena *a, Migration *m, bool apart, ZdmError *err)
{
    PgList *raws;
    MemoryContext tree;
    SqlSyntaxError e;
    if (raw_parse(a, m->text, &raws, &tree, &e) < 0) {
        int line = 0, col = 0;
        util_line_col(m->text, e.offset > 0 ? e.offset : 0, &line, &col);
        return zdm_error(err, m->file, line, col, "syntax error: %s", e.message);
    }
    if (apart)
        m->tree = tree;
    else
        arena_on_free(a, tree_free, tree);

    int n = list_length(raws);
    int len = (int)m->len;
    m->stmts = arena_alloc(a, sizeof(Statement *) * (size_t)(n ? n : 1));
    int *ends = arena_alloc(a, sizeof(int) * (size_t)(n ? n : 1));
    m->nstmts = 0;
    foreach_node(RawStmt, raw, raws) {
        int loc = raw->stmt_location;
        int end = raw->stmt_len ? loc + raw->stmt_len : len;
        Statement *s = arena_alloc(a, sizeof *s);
        s->index = m->nstmts;
        s->offset = sql_skip_noise(m->text, loc, end);
        s->sql = m->text + s->offset;
        int e = end;
        while (e > s->offset && isspace((unsigned char)m->text[e - 1]))
            e--;
        s->len = e - s->offset;
        s->node = raw->stmt;
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

int sql_parse_migration(Arena *a, Migration *m, ZdmError *err)
{
    return parse_into(a, m, false, err);
}

#define MAX_PARSE_THREADS 8

/*
 * Migrations are handed out in order from one counter, to worker threads and
 * to the caller's thread whenever it waits for one: so the analysis can
 * replay migration i while the workers parse i+1 and on, every core stays
 * busy, and the first failure in order is found as the sequential walk would
 * find it (every migration before a failed one was handed out before it).
 */
typedef enum { UNPARSED, PARSING, PARSED, FAILED } ParseState;

struct ParseRun {
    History *h;
    Arena *arena;      /* the caller's: its thread parses into it */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int next;          /* the next migration to hand out */
    int waited;        /* the last migration the caller waited for (it replays in order) */
    ParseState *state;
    int failed;        /* the first failed migration so far, or h->n */
    ZdmError err;      /* ... and its error */
    int nthreads;
    pthread_t threads[MAX_PARSE_THREADS];
    Arena *arenas[MAX_PARSE_THREADS]; /* one per worker */
};

/* Parses the next migration into arena; false when none is left. Called
 * with mu held, returns with it held. */
static bool parse_next(ParseRun *p, Arena *arena)
{
    if (p->next >= p->h->n || p->failed < p->h->n)
        return false; /* all handed out, or one failed: the rest cannot matter */
    int i = p->next++;
    p->state[i] = PARSING;
    pthread_mutex_unlock(&p->mu);
    ZdmError err = {0};
    Migration *m = p->h->items[i];
    int rc = 0;
    if (m->parse) {
        rc = m->parse(arena, m, &err);
    } else if (!m->stmts) { /* else it came parsed */
        /* a deployed migration's tree is freed once it is replayed; a
         * pending one's is read to the end */
        rc = parse_into(arena, m, m->phase == PHASE_DEPLOYED, &err);
    }
    pthread_mutex_lock(&p->mu);
    p->state[i] = rc < 0 ? FAILED : PARSED;
    if (rc < 0 && i < p->failed) {
        p->failed = i;
        p->err = err;
    }
    pthread_cond_broadcast(&p->cv);
    return true;
}

/* How far the parsing threads may run ahead of the migration the caller
 * replays. Unbounded, they parse a long history long before it is replayed,
 * and every tree waiting for its turn is memory: on a 100,000-statement
 * history with only the newest migration pending, the peak was most of it.
 * A few migrations per thread keep the threads busy all the same. */
#define PARSE_AHEAD 32

static void *parse_worker(void *arg)
{
    ParseRun *p = ((void **)arg)[0];
    Arena *arena = ((void **)arg)[1];
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next - p->waited > PARSE_AHEAD && p->next < p->h->n && p->failed == p->h->n)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!parse_next(p, arena))
            break;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

ParseRun *sql_parse_start(Arena *a, History *h)
{
    ParseRun *p = arena_alloc(a, sizeof *p);
    p->h = h;
    p->arena = a;
    p->failed = h->n;
    p->waited = -1;
    p->state = arena_alloc(a, sizeof(ParseState) * (size_t)(h->n ? h->n : 1));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cores <= 1 ? 0 : cores > MAX_PARSE_THREADS ? MAX_PARSE_THREADS : (int)cores;
    if (h->n < 32)
        workers = 0; /* starting threads costs more than a few files take */
    for (int t = 0; t < workers; t++) {
        p->arenas[p->nthreads] = arena_new();
        void **arg = arena_alloc(a, 2 * sizeof(void *));
        arg[0] = p;
        arg[1] = p->arenas[p->nthreads];
        if (pthread_create(&p->threads[p->nthreads], NULL, parse_worker, arg) != 0) {
            arena_free(p->arenas[p->nthreads]);
            break; /* no thread to be had: the caller's thread parses the rest */
        }
        p->nthreads++;
    }
    return p;
}

int sql_parse_wait(ParseRun *p, int i, ZdmError *err)
{
    pthread_mutex_lock(&p->mu);
    if (i > p->waited) {
        p->waited = i;
        pthread_cond_broadcast(&p->cv); /* the threads may parse further */
    }
    while (p->state[i] != PARSED && p->failed == p->h->n) {
        /* parse one ourselves rather than sit idle */
        if (!parse_next(p, p->arena))
            pthread_cond_wait(&p->cv, &p->mu);
    }
    bool ok = p->state[i] == PARSED;
    pthread_mutex_unlock(&p->mu);
    if (ok)
        return 0;
    return sql_parse_finish(p, err);
}

int sql_parse_finish(ParseRun *p, ZdmError *err)
{
    pthread_mutex_lock(&p->mu);
    p->waited = p->h->n; /* everything is wanted now */
    pthread_cond_broadcast(&p->cv);
    while (parse_next(p, p->arena))
        ;
    pthread_mutex_unlock(&p->mu);
    for (int t = 0; t < p->nthreads; t++) {
        pthread_join(p->threads[t], NULL);
        arena_adopt(p->arena, p->arenas[t]);
    }
    p->nthreads = 0;
    for (int i = 0; i < p->h->n; i++) {
        Migration *m = p->h->items[i];
        if (m->tree) {
            arena_on_free(p->arena, tree_free, m->tree);
            m->tree = NULL;
        }
    }
    if (p->failed < p->h->n) {
        *err = p->err;
        return -1;
    }
    return 0;
}

void sql_drop_tree(Migration *m)
{
    if (!m->tree)
        return;
    MemoryContextDelete(m->tree);
    m->tree = NULL;
    for (int i = 0; i < m->nstmts; i++)
        m->stmts[i]->node = NULL;
}

int sql_parse_history(Arena *a, History *h, ZdmError *err)
{
    return sql_parse_finish(sql_parse_start(a, h), err);
}
