/*
 * django_run.c — zdm migrate and zdm status on a Django project.
 *
 * Django keeps its own history (django_migrations) and its migrations are
 * Python: RunPython code, post_migrate handlers, the project's settings and
 * routers. Were zdm to run the SQL it generated, django_migrations would stay
 * empty and the next `manage.py migrate` would fail on tables that exist. So
 * zdm decides and Django applies:
 *  - zdm takes its advisory lock (one runner at a time, as for SQL), reads
 *    django_migrations through its own connection, plans, and applies the
 *    findings gate and --phase exactly as the SQL runner does;
 *  - each step is `manage.py migrate APP NAME --no-input`: consecutive
 *    migrations of one app in the plan's order, run by the project's own
 *    Django (its settings name the database);
 *  - the timeouts reach Django's connection through PGOPTIONS (libpq reads
 *    it; what the user set stays in front): lock_timeout, and the
 *    statement_timeout of the migration's costliest statement class;
 *  - Django's output is read as it comes: "Applying shop.0002_x..." says
 *    which migration runs, " OK" that it is done. A lock timeout
 *    (LockNotAvailable, 55P03) in an atomic migration rolled it back: the
 *    step runs again after zdm's backoff. An atomic = False one may be half
 *    applied: zdm reports it and stops;
 *  - after each step zdm reads django_migrations again: every migration of
 *    the step must be recorded there, or Django and zdm are not looking at the
 *    same database, and zdm says so.
 * Where Django cannot run, zdm prints the commands to run by hand and exits 2:
 * it never applies Django's migrations behind Django's back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../sql/sql.h"
#include "../backfill/backfill.h"
#include "db.h"
#include "../sql/pg.h"

extern char **environ;

bool db_is_django(const History *h)
{
    for (int i = 0; i < h->n; i++)
        if (h->items[i]->django)
            return true;
    return false;
}

/* ---- django_migrations ----------------------------------------------------- */

/* "app.name" of every row (in rec, and in order in rows when not NULL) with
 * the time Django applied it (in when); nothing when the table does not exist. */
static int read_recorded(Arena *a, PGconn *conn, StrMap *rec, StrMap *when, List *rows, bool *table,
                         ZdmError *err)
{
    memset(rec, 0, sizeof *rec);
    if (when)
        memset(when, 0, sizeof *when);
    if (rows)
        memset(rows, 0, sizeof *rows);
    bool exists;
    if (db_relation_exists(conn, "django_migrations", &exists, err) < 0)
        return -1;
    if (table)
        *table = exists;
    if (!exists)
        return 0;
    PGresult *r = db_query(conn,
        "SELECT app || '.' || name, to_char(applied AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"')"
        " FROM django_migrations ORDER BY id", 0, NULL, err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *key = arena_strdup(a, PQgetvalue(r, i, 0));
        strmap_put(a, rec, key, (void *)key);
        if (when)
            strmap_put(a, when, key, arena_strdup(a, PQgetvalue(r, i, 1)));
        if (rows)
            list_push(a, rows, (void *)key);
    }
    PQclear(r);
    return 0;
}

/* Django's own rule: a squash is applied once all it replaces are. */
static bool recorded(const StrMap *rec, const Migration *m)
{
    if (strmap_get(rec, m->name))
        return true;
    const List *rp = &m->django->replaces;
    for (int i = 0; i < rp->len; i++)
        if (!strmap_get(rec, LIST_GET(rp, i)))
            return false;
    return rp->len > 0;
}

int db_django_history(Arena *a, PGconn *conn, const History *h, DbHistory *dh, ZdmError *err)
{
    memset(dh, 0, sizeof *dh);
    dh->foreign = "django_migrations";
    StrMap rec, when;
    List rows;
    if (read_recorded(a, conn, &rec, &when, &rows, &dh->exists, err) < 0)
        return -1;
    StrMap apps = {0}, replaced = {0}, names = {0};
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        strmap_put(a, &names, m->name, (void *)m);
        if (!m->django)
            continue;
        strmap_put(a, &apps, m->django->app, (void *)m);
        for (int k = 0; k < m->django->replaces.len; k++)
            strmap_put(a, &replaced, LIST_GET(&m->django->replaces, k), (void *)m);
    }
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        if (!m->django || !recorded(&rec, m))
            continue;
        Applied *ap = arena_alloc(a, sizeof *ap);
        ap->name = m->name;
        ap->phase = "-";
        const char *t = strmap_get(&when, m->name);
        for (int k = 0; !t && k < m->django->replaces.len; k++)
            t = strmap_get(&when, LIST_GET(&m->django->replaces, k));
        ap->started_at = ap->finished_at = t ? t : "?";
        ap->duration_ms = -1;
        list_push(a, &dh->applied, ap);
        list_push(a, &dh->foreign_names, (void *)m->name);
    }
    /* recorded, of an app zdm read, yet not among its migrations: "missing"
     * (a migration a squash replaced is accounted for by the squash) */
    for (int i = 0; i < rows.len; i++) {
        const char *key = LIST_GET(&rows, i);
        const char *dot = strchr(key, '.');
        const char *app = dot ? arena_strndup(a, key, (size_t)(dot - key)) : key;
        if (!strmap_get(&apps, app) || strmap_get(&replaced, key) || strmap_get(&names, key))
            continue;
        Applied *ap = arena_alloc(a, sizeof *ap);
        ap->name = key;
        ap->phase = "-";
        ap->started_at = ap->finished_at = strmap_get(&when, key);
        ap->duration_ms = -1;
        list_push(a, &dh->applied, ap);
    }
    return 0;
}

/* ---- what Django's connection gets ------------------------------------------ */

/* A statement that waits for older snapshots (CONCURRENTLY): those waits
 * count against lock_timeout, and a timeout leaves an INVALID index. */
static bool concurrent(const Statement *s)
{
    const Node *n = s->node;
    if (n && IsA(n, IndexStmt))
        return castNode(IndexStmt, n)->concurrent;
    if (n && IsA(n, DropStmt))
        return castNode(DropStmt, n)->concurrent;
    if (n && IsA(n, ReindexStmt))
        foreach_node(DefElem, d, castNode(ReindexStmt, n)->params)
            if (util_streq(d->defname, "concurrently"))
                return true;
    return false;
}

/* The lock_timeout Django's connection gets for m: one setting for the whole
 * process, so a migration building an index CONCURRENTLY gets none. */
static long lock_timeout_for(const RunOptions *o, const Migration *m)
{
    for (int i = 0; i < m->nstmts; i++)
        if (concurrent(m->stmts[i]))
            return 0;
    return o->lock_timeout_ms;
}

/* The statement_timeout for m: that of its costliest statement class (0,
 * none, wins). RunPython writes rows zdm cannot see: the rows class. */
static long statement_timeout_for(const RunOptions *o, const Migration *m)
{
    long worst = -1;
    if (m->django && m->django->python)
        worst = o->statement_timeout_ms[COST_ROWS];
    for (int i = 0; i < m->nstmts && worst != 0; i++) {
        const Statement *s = m->stmts[i];
        if (s->fx && s->fx->cost == COST_NONE) /* SET, BEGIN, COMMIT */
            continue;
        long t = s->fx ? o->statement_timeout_ms[s->fx->cost] : 0; /* unknown cost: no limit */
        if (t == 0 || t > worst)
            worst = t;
    }
    return worst < 0 ? o->statement_timeout_ms[COST_CATALOG] : worst;
}

/* The strongest lock above ROW EXCLUSIVE m takes, for messages ("ACCESS
 * EXCLUSIVE on shop_customer"), or NULL. */
static const char *strongest_lock(Arena *a, const Migration *m)
{
    const LockTaken *best = NULL;
    for (int i = 0; i < m->nstmts; i++)
        for (int k = 0; m->stmts[i]->fx && k < m->stmts[i]->fx->locks.len; k++) {
            const LockTaken *lk = LIST_GET(&m->stmts[i]->fx->locks, k);
            if (lk->mode > LOCK_ROW_EXCLUSIVE && (!best || lk->mode > best->mode))
                best = lk;
        }
    return best ? arena_printf(a, "%s on %s", lock_mode_name(best->mode), catalog_display(best->relation)) : NULL;
}

static const char *phase_label(const Migration *m)
{
    return m->phase == PHASE_BEFORE || m->phase == PHASE_AFTER ? phase_name(m->phase) : "any";
}

/* A word as a POSIX shell reads it back. */
static const char *shell_quote(Arena *a, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("_-./=:,@%+", *p);
    if (plain)
        return s;
    StrBuf b;
    sb_init(&b, a);
    sb_append(&b, "'");
    for (const char *p = s; *p; p++)
        sb_append(&b, *p == '\'' ? "'\\''" : (char[]){*p, 0});
    sb_append(&b, "'");
    return b.data;
}

/* ---- one step: manage.py migrate APP NAME ----------------------------------- */

typedef struct Step {
    const char *app; /* NULL: `manage.py migrate` with no target, for the apps zdm did not read */
    List migs;      /* Migration*, in the plan's order; the last is the target */
    long lock_ms, stmt_ms;
} Step;

typedef struct DjRun {
    Arena *a;
    PGconn *conn;
    const RunOptions *o;
    const History *h;
    FILE *out;
    const char *manage;  /* the command, as a shell reads it: "python3 manage.py" */
    const char *dir;     /* where it runs */
    const char *appname; /* Django's application_name: "zdm migrate <pid>" */
    unsigned seed;
} DjRun;

static const char *step_pgoptions(Arena *a, const Step *st)
{
    const char *user = getenv("PGOPTIONS");
    /* the user's options first: zdm's lock_timeout is the one its retries count on */
    return arena_printf(a, "%s%s-c lock_timeout=%s -c statement_timeout=%s", user && *user ? user : "",
                        user && *user ? " " : "", db_format_duration(a, st->lock_ms),
                        db_format_duration(a, st->stmt_ms));
}

static const char *step_target(const Step *st)
{
    return ((const Migration *)LIST_GET(&st->migs, st->migs.len - 1))->django->short_name;
}

/* The command as the user would type it. */
static const char *step_command(Arena *a, const char *manage, const Step *st)
{
    const char *target = st->app ? arena_printf(a, " %s %s", st->app, step_target(st)) : "";
    return arena_printf(a, "PGOPTIONS=%s %s migrate%s --no-input", shell_quote(a, step_pgoptions(a, st)), manage,
                        target);
}

/* The last step of a run that completes the migrations: what zdm did not
 * read (django.contrib apps, third-party apps) is left to Django, with
 * lock_timeout, and no statement_timeout as for any statement of unknown cost. */
static Step *final_step(Arena *a, const RunOptions *o)
{
    Step *st = arena_alloc(a, sizeof *st);
    st->lock_ms = o->lock_timeout_ms;
    st->stmt_ms = 0;
    return st;
}

/* Consecutive migrations of one app with the same settings make one step. */
static void make_steps(Arena *a, const RunOptions *o, const List *run, List *steps)
{
    Step *cur = NULL;
    for (int i = 0; i < run->len; i++) {
        Migration *m = LIST_GET(run, i);
        long lk = lock_timeout_for(o, m), st = statement_timeout_for(o, m);
        if (!cur || strcmp(cur->app, m->django->app) != 0 || cur->lock_ms != lk || cur->stmt_ms != st) {
            cur = arena_alloc(a, sizeof *cur);
            cur->app = m->django->app;
            cur->lock_ms = lk;
            cur->stmt_ms = st;
            list_push(a, steps, cur);
        }
        list_push(a, &cur->migs, m);
    }
}

/* ---- the child process ----------------------------------------------------- */

/* The child runs in a process group of its own (a terminal's Ctrl-C reaches
 * only zdm): Ctrl-C (interrupt.h, db_interrupt_child) passes SIGINT on to it
 * and run_manage cancels the query of Django's session, and Django rolls its
 * transaction back. Without a child, the signal cancels zdm's own query (the
 * lock, the history). */

typedef struct Child {
    int code;             /* exit status; 128+N when killed by signal N; -1 not started */
    StrBuf out, errs;     /* what it wrote on stdout and stderr */
    StrBuf line;          /* stdout's current line */
    const char *running;  /* "shop.0002_x" between "Applying" and " OK", else NULL */
    double started;       /* when running began */
    StrMap took;          /* name -> double* ms, for each migration Django said OK to */
    List done;            /* those names, in order */
    bool relay;           /* copy stdout to stderr as it comes, each line after "  | " */
    bool at_line_start;
} Child;

/* "  Applying shop.0002_x..." (and " OK" after it, once done). */
static void progress(Arena *a, Child *c, bool complete)
{
    const char *l = c->line.data ? c->line.data : "";
    const char *p = strstr(l, "Applying ");
    if (!p)
        return;
    p += 9;
    const char *dots = strstr(p, "...");
    if (!dots)
        return;
    const char *name = arena_strndup(a, p, (size_t)(dots - p));
    if (!c->running || strcmp(c->running, name) != 0) {
        c->running = name;
        c->started = util_now_ms();
    }
    const char *rest = dots + 3;
    while (*rest == ' ')
        rest++;
    if (complete && (strncmp(rest, "OK", 2) == 0 || strncmp(rest, "FAKED", 5) == 0)) {
        double *ms = arena_alloc(a, sizeof *ms);
        *ms = util_now_ms() - c->started;
        strmap_put(a, &c->took, name, ms);
        list_push(a, &c->done, (void *)name);
        c->running = NULL;
    }
}

static void take_stdout(Arena *a, Child *c, const char *buf, size_t n)
{
    sb_appendn(&c->out, buf, n);
    for (size_t i = 0; i < n; i++) {
        if (c->relay) {
            if (c->at_line_start)
                fputs("  | ", stderr);
            fputc(buf[i], stderr);
            c->at_line_start = buf[i] == '\n';
        }
        if (buf[i] == '\n') {
            progress(a, c, true);
            sb_init(&c->line, a);
        } else {
            sb_appendn(&c->line, buf + i, 1);
        }
    }
    progress(a, c, false); /* "Applying x..." arrives before its " OK" */
    if (c->relay)
        fflush(stderr);
}

/*
 * Runs `<manage> ARGS...` through /bin/sh in r->dir with PGOPTIONS set (when
 * pgoptions is not NULL), stdin from /dev/null, reading its stdout and stderr
 * until it exits. 0 with c filled (c->code its exit status), or -1 with err
 * when it could not be started.
 */
static int run_manage(DjRun *r, const char *const *args, const char *pgoptions, bool relay, Child *c,
                      ZdmError *err)
{
    Arena *a = r->a;
    memset(c, 0, sizeof *c);
    c->code = -1;
    c->relay = relay;
    c->at_line_start = true;
    sb_init(&c->out, a);
    sb_init(&c->errs, a);
    sb_init(&c->line, a);
    /* sh -c '<manage> "$@"' zdm ARGS...: the arguments reach it unquoted */
    List argv = {0};
    list_push(a, &argv, "/bin/sh");
    list_push(a, &argv, "-c");
    list_push(a, &argv, arena_printf(a, "%s \"$@\"", r->manage));
    list_push(a, &argv, "zdm");
    for (int i = 0; args[i]; i++)
        list_push(a, &argv, (void *)args[i]);
    list_push(a, &argv, NULL);
    List envp = {0};
    for (char **e = environ; *e; e++)
        if (!pgoptions || strncmp(*e, "PGOPTIONS=", 10) != 0)
            list_push(a, &envp, *e);
    if (pgoptions)
        list_push(a, &envp, arena_printf(a, "PGOPTIONS=%s", pgoptions));
    /* Django's session, named so that zdm can find it and cancel its query:
     * psycopg2 waits for the server with signals held, so a SIGINT alone
     * would wait for the statement (a lock wait) to end */
    const char *appname = getenv("PGAPPNAME");
    if (!appname || !*appname)
        list_push(a, &envp, arena_printf(a, "PGAPPNAME=%s", r->appname));
    list_push(a, &envp, NULL);

    int po[2], pe[2];
    if (pipe(po) < 0 || pipe(pe) < 0)
        return zdm_error(err, NULL, 0, 0, "pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return zdm_error(err, NULL, 0, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        if (null > 0)
            close(null);
        if (chdir(r->dir) < 0) {
            dprintf(2, "cannot enter %s: %s\n", r->dir, strerror(errno));
            _exit(126);
        }
        execve("/bin/sh", (char **)argv.items, (char **)envp.items);
        dprintf(2, "cannot run /bin/sh: %s\n", strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* both sides: whichever runs first */
    db_interrupt_child(pid);
    close(po[1]);
    close(pe[1]);
    struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    int open_fds = 2;
    char buf[4096];
    bool cancelled = false;
    while (open_fds > 0) {
        if (db_signals && !cancelled) {
            cancelled = true;
            ZdmError ignore = {0};
            const char *params[] = {r->appname};
            PQclear(db_query(r->conn, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                                      " WHERE application_name = $1 AND pid <> pg_backend_pid()",
                             1, params, &ignore));
        }
        int n = poll(fds, 2, 200);
        if (n < 0 && errno != EINTR)
            break;
        for (int k = 0; k < 2 && n > 0; k++) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[k].fd, buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                close(fds[k].fd);
                fds[k].fd = -1;
                open_fds--;
            } else if (k == 0) {
                take_stdout(a, c, buf, (size_t)got);
            } else {
                sb_appendn(&c->errs, buf, (size_t)got);
            }
        }
    }
    for (int k = 0; k < 2; k++)
        if (fds[k].fd >= 0)
            close(fds[k].fd);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    db_interrupt_child(0);
    if (relay && !c->at_line_start)
        fputc('\n', stderr);
    c->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

/* The last non-empty line of text ("django.db.utils.OperationalError: ..."). */
static const char *last_line(Arena *a, const char *text)
{
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return arena_strndup(a, start, (size_t)(end - start));
}

/* Prints text on stderr, each line after "  | ". */
static void relay_text(const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "  | %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

/* Did Django stop on a lock timeout? psycopg names the class (55P03) in
 * every locale; the server's English message is the fallback. */
static bool lock_timeout_failure(const char *errs)
{
    return strstr(errs, "LockNotAvailable") || strstr(errs, "55P03") ||
           strstr(errs, "canceling statement due to lock timeout") || strstr(errs, "could not obtain lock on");
}

static const Migration *find_migration(const History *h, const char *name)
{
    for (int i = 0; name && i < h->n; i++)
        if (strcmp(h->items[i]->name, name) == 0)
            return h->items[i];
    return NULL;
}

static int interrupted(ZdmError *err, const char *what)
{
    zdm_error(err, NULL, 0, 0, "interrupted %s; django_migrations records what Django completed", what);
    err->kind = ERR_DATABASE;
    return -1;
}

static int database_error(ZdmError *err)
{
    err->kind = ERR_DATABASE;
    return -1;
}

/* zdm's side of the connection, for messages: "database app (postgres://app:***@db/app)". */
static const char *zdm_database(DjRun *r)
{
    const char *url = r->o->url ? r->o->url : getenv("DATABASE_URL");
    return arena_printf(r->a, "database %s (%s)", PQdb(r->conn),
                        url && *url ? db_redact(r->a, url) : "libpq's PG* variables");
}

/*
 * Runs one step until Django has applied it, retrying after a lock timeout
 * in an atomic migration. reported: the migrations already announced on out.
 */
static int run_step(DjRun *r, const Step *st, StrMap *reported, ZdmError *err)
{
    Arena *a = r->a;
    const RunOptions *o = r->o;
    const char *pgoptions = step_pgoptions(a, st);
    const char *with_target[] = {"migrate", st->app, st->app ? step_target(st) : NULL, "--no-input", NULL};
    const char *const *args = st->app ? with_target : (const char *[]){"migrate", "--no-input", NULL};
    const char *what = st->app ? arena_printf(a, "manage.py migrate %s %s", st->app, step_target(st))
                               : "manage.py migrate";
    const char *retrying = NULL; /* the migration that timed out */
    int attempt = 0;
    double first = 0; /* when its first attempt started */
    for (;;) {
        if (db_signals)
            return interrupted(err, arena_printf(a, "before %s", what));
        double started = util_now_ms();
        fprintf(stderr, "zdm: %s\n", step_command(a, r->manage, st));
        Child c;
        if (run_manage(r, args, pgoptions, true, &c, err) < 0)
            return -1;
        StrMap rec;
        if (read_recorded(a, r->conn, &rec, NULL, NULL, NULL, err) < 0)
            return -1;
        for (int i = 0; i < st->migs.len; i++) {
            const Migration *m = LIST_GET(&st->migs, i);
            if (strmap_get(reported, m->name) || !recorded(&rec, m))
                continue;
            strmap_put(a, reported, m->name, (void *)m);
            const double *ms = strmap_get(&c.took, m->name);
            if (ms)
                fprintf(r->out, "applied %s (%s, manage.py migrate) in %.0f ms\n", m->name, phase_label(m), *ms);
            else
                fprintf(r->out, "applied %s (%s, manage.py migrate)\n", m->name, phase_label(m));
            fflush(r->out);
        }
        /* what Django applied of the apps zdm did not read */
        for (int i = 0; i < c.done.len; i++) {
            const char *name = LIST_GET(&c.done, i);
            if (strmap_get(reported, name) || find_migration(r->h, name))
                continue;
            strmap_put(a, reported, name, (void *)name);
            if (!strmap_get(&rec, name)) {
                zdm_error(err, NULL, 0, 0,
                          "Django applied %s, but django_migrations in the %s, which zdm reads, does not "
                          "record it: the project's DATABASES names another database. Point both at the same one",
                          name, zdm_database(r));
                return database_error(err);
            }
            fprintf(r->out, "applied %s (an app zdm did not read, manage.py migrate) in %.0f ms\n", name,
                    *(const double *)strmap_get(&c.took, name));
        }
        if (db_signals)
            return interrupted(err, c.running ? arena_printf(a, "during %s", c.running) : "");
        if (c.code == 0) {
            if (c.errs.len)
                relay_text(c.errs.data); /* warnings, system checks */
            for (int i = 0; i < st->migs.len; i++) {
                const Migration *m = LIST_GET(&st->migs, i);
                if (recorded(&rec, m))
                    continue;
                zdm_error(err, NULL, 0, 0,
                          "%s succeeded, but django_migrations in the %s, which zdm reads, does not record %s: "
                          "the project's DATABASES names another database. Point both at the same one",
                          what, zdm_database(r), m->name);
                return database_error(err);
            }
            return 0;
        }
        const char *why = last_line(a, c.errs.len ? c.errs.data : c.out.data ? c.out.data : "");
        const Migration *m = find_migration(r->h, c.running);
        bool lock = lock_timeout_failure(c.errs.len ? c.errs.data : "");
        if (!lock || !m || m->no_transaction) {
            relay_text(c.errs.len ? c.errs.data : "");
            if (!c.running)
                zdm_error(err, NULL, 0, 0, "%s failed (exit %d) %s: %s", what, c.code,
                          c.done.len ? "after its migrations" : "before applying a migration", why);
            else if (m && m->no_transaction)
                zdm_error(err, m->file, 0, 0,
                          "%s failed%s: %s. It has atomic = False: Django ran its operations outside a "
                          "transaction, so those before the failing one stay applied and django_migrations does "
                          "not record it. zdm does not retry it: undo what it did and run zdm migrate again, or "
                          "complete it by hand and record it with manage.py migrate %s %s --fake",
                          m->name, lock ? " on a lock timeout" : "", why, m->django->app, m->django->short_name);
            else if (!m)
                zdm_error(err, NULL, 0, 0,
                          "%s (of an app zdm did not read, applied as a dependency) failed%s: %s; zdm does not "
                          "know whether it is atomic and does not retry it",
                          c.running, lock ? " on a lock timeout" : "", why);
            else
                zdm_error(err, m->file, 0, 0, "%s failed: %s (Django rolled it back)", m->name, why);
            return database_error(err);
        }
        /* an atomic migration timed out: Django rolled it back, run the step again */
        if (!retrying || strcmp(retrying, m->name) != 0) {
            retrying = m->name;
            attempt = 0;
            first = started;
        }
        const char *lk = strongest_lock(a, m);
        const char *waited = lk ? lk : "its locks";
        int attempts = o->lock_retries + 1;
        long delay = db_backoff_ms(attempt, o->retry_base_ms, 30000,
                                   (double)rand_r(&r->seed) / ((double)RAND_MAX + 1.0));
        double spent = util_now_ms() - first;
        if (attempt + 1 >= attempts || spent + (double)delay > (double)o->lock_retry_max_ms) {
            zdm_error(err, m->file, 0, 0,
                      "could not get %s within lock_timeout %s after %d attempt%s in %.1f s; Django rolled "
                      "%s back, nothing of it was applied (raise --lock-retries / --lock-retry-max, or find "
                      "what holds the lock in pg_locks)",
                      waited, db_format_duration(a, st->lock_ms), attempt + 1, attempt ? "s" : "",
                      spent / 1000.0, m->name);
            return database_error(err);
        }
        fprintf(stderr, "  | %s\nzdm: %s: could not get %s within lock_timeout %s (attempt %d of %d); "
                        "Django rolled it back, retrying in %.1f s\n",
                why, m->name, waited, db_format_duration(a, st->lock_ms), attempt + 1, attempts,
                (double)delay / 1000.0);
        fflush(stderr);
        util_sleep_ms(delay, &db_signals);
        attempt++;
    }
}

/* ---- finding manage.py ------------------------------------------------------ */

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Directories no project keeps its manage.py in; symlinks are not followed. */
static bool skip_dir(const char *parent, const char *name)
{
    if (name[0] == '.' || strcmp(name, "node_modules") == 0 || strcmp(name, "__pycache__") == 0 ||
        strcmp(name, "site-packages") == 0 || strcmp(name, "migrations") == 0)
        return true;
    char cfg[PATH_MAX];
    snprintf(cfg, sizeof cfg, "%s/%s/pyvenv.cfg", parent, name); /* a virtualenv */
    return is_file(cfg);
}

static void find_below(Arena *a, const char *dir, int depth, List *found)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    List subs = {0};
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        const char *path = arena_printf(a, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) < 0)
            continue;
        if (S_ISREG(st.st_mode) && strcmp(e->d_name, "manage.py") == 0)
            list_push(a, found, (void *)dir);
        else if (S_ISDIR(st.st_mode) && depth > 0 && !skip_dir(dir, e->d_name))
            list_push(a, &subs, (void *)path);
    }
    closedir(d);
    for (int i = 0; i < subs.len; i++)
        find_below(a, LIST_GET(&subs, i), depth - 1, found);
}

/*
 * The directory of the project's manage.py: PATH itself, a folder above it
 * (PATH may be an app, or its migrations), else the one manage.py at most
 * three levels below. NULL with *why when there is none or more than one.
 */
static const char *find_manage_dir(Arena *a, const char *project, const char **why)
{
    char real[PATH_MAX];
    if (!realpath(project, real)) {
        *why = arena_printf(a, "%s: %s", project, strerror(errno));
        return NULL;
    }
    const char *dir = arena_strdup(a, real);
    for (int up = 0; up < 5; up++) {
        if (is_file(arena_printf(a, "%s/manage.py", dir)))
            return dir;
        const char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            break;
        dir = arena_strndup(a, dir, (size_t)(slash - dir));
    }
    List found = {0};
    find_below(a, real, 3, &found);
    if (found.len == 1)
        return LIST_GET(&found, 0);
    if (found.len == 0)
        *why = arena_printf(a, "no manage.py in %s, in the folders above it or below it", project);
    else
        *why = arena_printf(a, "%d manage.py files below %s (%s, %s%s): say which with --manage", found.len, project,
                            (const char *)LIST_GET(&found, 0), (const char *)LIST_GET(&found, 1),
                            found.len > 2 ? ", ..." : "");
    return NULL;
}

/* ---- by hand ---------------------------------------------------------------- */

static void print_steps(Arena *a, const RunOptions *o, const char *manage, const List *migs, bool last,
                        const char *title)
{
    List steps = {0};
    make_steps(a, o, migs, &steps);
    if (last)
        list_push(a, &steps, final_step(a, o));
    if (steps.len == 0)
        return;
    fprintf(stderr, "  %s:\n", title);
    for (int i = 0; i < steps.len; i++)
        fprintf(stderr, "    %s\n", step_command(a, manage, LIST_GET(&steps, i)));
}

/*
 * Django cannot run here: the commands that do by hand what zdm would have
 * done, per phase, in order. Returns -1 with err (exit 2).
 */
static int refuse(DjRun *r, const char *why, const List *pending, const List *run, ZdmError *err)
{
    Arena *a = r->a;
    const RunOptions *o = r->o;
    fprintf(stderr, "zdm: cannot run Django: %s\n", why);
    fprintf(stderr, "zdm applies a Django project's migrations only through Django (django_migrations must "
                    "record them). Run these by hand, in this order, from %s, with the settings that name "
                    "the %s; run a command again when it stops on \"canceling statement due to lock timeout\" "
                    "(the migration was rolled back), unless the migration has atomic = False:\n",
            r->dir, zdm_database(r));
    if (o->phase == RUN_ALL) {
        print_steps(a, o, r->manage, pending, true, "in order");
    } else if (o->phase == RUN_AFTER) {
        print_steps(a, o, r->manage, pending, true, "after the deploy (--phase after-deploy)");
    } else {
        List rest = {0};
        for (int i = run->len; i < pending->len; i++)
            list_push(a, &rest, LIST_GET(pending, i));
        print_steps(a, o, r->manage, run, false, "before the deploy (--phase before-deploy)");
        print_steps(a, o, r->manage, &rest, true, "after the deploy (--phase after-deploy)");
    }
    zdm_error(err, NULL, 0, 0, "nothing applied: Django could not be run; the commands above apply the migrations "
                               "through it");
    err->kind = ERR_INPUT;
    return -1;
}

/* Checks that `<manage> --version` runs: Django imports and the settings
 * load. Returns the version it printed, or NULL with *why. */
static const char *probe_django(DjRun *r, const char **why, ZdmError *err)
{
    const char *args[] = {"--version", NULL};
    Child c;
    if (run_manage(r, args, NULL, false, &c, err) < 0)
        return NULL;
    const char *v = c.out.data ? last_line(r->a, c.out.data) : "";
    if (c.code == 0 && v[0] >= '1' && v[0] <= '9')
        return v;
    *why = arena_printf(r->a, "`%s --version` in %s %s: %s", r->manage, r->dir,
                        c.code == 0 ? "printed no Django version" : arena_printf(r->a, "failed (exit %d)", c.code),
                        last_line(r->a, c.errs.len ? c.errs.data : v));
    return NULL;
}

/*
 * A second migrations package with an app's label (an app and a test site's
 * fork of it): Django installs one, the one INSTALLED_APPS names. When the
 * settings say which (django.c), the other's migrations are left out, with a
 * word; when zdm cannot tell and one of them has a migration to apply, it
 * refuses, naming both folders: either could be the one Django runs.
 */
static int check_packages(DjRun *r, const History *h, ZdmError *err)
{
    StrMap said = {0};
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        const DjangoInfo *d = m->django;
        if (!d->other_package || m->phase == PHASE_DEPLOYED)
            continue;
        const char *slash = strrchr(m->file, '/');
        const char *mine = slash ? arena_strndup(r->a, m->file, (size_t)(slash - m->file)) : ".";
        if (d->installed == 0) {
            if (!strmap_get(&said, mine)) {
                strmap_put(r->a, &said, mine, (void *)mine);
                fprintf(stderr, "zdm: leaving out the migrations of %s: the settings' INSTALLED_APPS install "
                                "%s under that app label\n", mine, d->other_package);
            }
            continue;
        }
        if (d->installed < 0) {
            const char *label = d->app, *at = strchr(label, '@');
            if (at)
                label = arena_strndup(r->a, label, (size_t)(at - label));
            zdm_error(err, m->file, 0, 0,
                      "two migrations packages have the app label '%s': %s and %s, and zdm cannot tell which one "
                      "the project installs, so it cannot tell which migrations manage.py migrate %s would run; "
                      "nothing applied.\nDjango installs the one INSTALLED_APPS names. zdm reads INSTALLED_APPS "
                      "when every settings module gives it as a literal list; or run zdm migrate on a folder "
                      "that holds only the installed package",
                      label, mine, d->other_package, label);
            err->kind = ERR_INPUT;
            return -1;
        }
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------------ */

/*
 * An earlier zdm ran the SQL of Django migrations itself and recorded them in
 * zdm_migrations only: Django would run them again and fail on what exists.
 * Say which, and how to record them for Django. 1 when there were any.
 */
static int leftover_history(DjRun *r, const DbHistory *dh, ZdmError *err)
{
    Arena *a = r->a;
    const char *table = arena_printf(a, "%s.%s", db_quote_ident(a, r->o->schema), DB_HISTORY_TABLE);
    bool exists;
    if (db_relation_exists(r->conn, table, &exists, err) < 0)
        return -1;
    if (!exists)
        return 0;
    PGresult *res = db_query(r->conn, arena_printf(a, "SELECT name FROM %s WHERE finished_at IS NOT NULL", table),
                             0, NULL, err);
    if (!res)
        return -1;
    StrMap done = {0};
    for (int i = 0; i < PQntuples(res); i++) {
        const char *n = arena_strdup(a, PQgetvalue(res, i, 0));
        strmap_put(a, &done, n, (void *)n);
    }
    PQclear(res);
    int n = 0;
    for (int i = 0; i < r->h->n; i++) {
        const Migration *m = r->h->items[i];
        if (!m->django || db_history_applied(dh, m) || !strmap_get(&done, m->name))
            continue;
        if (!n++)
            fprintf(stderr, "zdm: %s records Django migrations as applied that django_migrations does not: an "
                            "earlier zdm ran their SQL without Django. If the schema has them, record them for "
                            "Django (no SQL runs):\n", table);
        fprintf(stderr, "    %s migrate %s %s --fake\n", r->manage, m->django->app, m->django->short_name);
    }
    if (!n)
        return 0;
    zdm_error(err, NULL, 0, 0, "%d Django migration%s applied outside Django; nothing applied (see above)", n,
              n == 1 ? "" : "s");
    return database_error(err);
}

static int django_run(DjRun *r, History *h, ZdmError *err)
{
    Arena *a = r->a;
    const RunOptions *o = r->o;
    const char *why = NULL; /* why Django cannot run */
    if (o->manage) {
        r->dir = o->project;
    } else {
        r->dir = find_manage_dir(a, o->project, &why);
        r->manage = "python3 manage.py";
    }
    if (!o->dry_run && db_take_run_lock(a, r->conn, o, &db_signals, err) < 0)
        return -1;
    DbHistory dh;
    if (db_django_history(a, r->conn, h, &dh, err) < 0)
        return -1;
    if (leftover_history(r, &dh, err) < 0)
        return -1;
    for (int i = 0; i < h->n; i++)
        h->items[i]->phase = db_history_applied(&dh, h->items[i]) ? PHASE_DEPLOYED : PHASE_NONE;
    Plan plan = {0};
    AnalysisOptions aopt = {.pg_version = db_pg_version(r->conn)};
    if (db_timezone_is_utc(r->conn, &aopt.server_tz_utc, err) < 0 || analysis_run(a, h, &aopt, &plan, err) < 0)
        return -1;

    /* two packages of one label: Django knows only the installed one, by the
     * label alone; "label@folder" must never reach manage.py */
    if (check_packages(r, h, err) < 0)
        return -1;

    /* what this phase runs: as the SQL runner chooses */
    List run = {0}, pending = {0};
    const Migration *stop = NULL;
    int left = 0;
    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        if (m->phase == PHASE_DEPLOYED || (m->django->other_package && m->django->installed == 0))
            continue;
        list_push(a, &pending, m);
        if (stop) {
            left++;
        } else if (o->phase == RUN_BEFORE && m->phase != PHASE_BEFORE) {
            stop = m;
            left++;
        } else {
            if (o->phase == RUN_AFTER && m->phase == PHASE_BEFORE)
                fprintf(stderr, "zdm: warning: %s was planned before the deploy and has not run; running it now\n",
                        m->name);
            list_push(a, &run, m);
        }
    }
    if (o->phase != RUN_ALL && db_gate_findings(&pending, o->phase) > 0)
        return 1;
    /* a migration waiting for a backfill job ends the run before it */
    int ready = run.len;
    ZdmError waiting = {0};
    for (int i = 0; i < run.len && ready == run.len; i++)
        if (backfill_check_required(a, r->conn, o->schema, LIST_GET(&run, i), &waiting) < 0)
            ready = i;
    if (ready < run.len && waiting.kind != ERR_DATABASE)
        return *err = waiting, -1;
    run.len = ready;

    List steps = {0};
    make_steps(a, o, &run, &steps);
    if (run.len == 0)
        fprintf(stderr, "zdm: nothing to apply%s\n", o->phase == RUN_BEFORE && stop ? " before the deploy" : "");
    /* the run completes the migrations: Django applies what zdm did not read */
    bool complete = o->phase != RUN_BEFORE && ready == run.len && !waiting.message[0];
    if (complete)
        list_push(a, &steps, final_step(a, o));
    if (o->dry_run) {
        fprintf(r->out, "-- through Django, in %s%s\n", r->dir ? r->dir : o->project,
                r->dir ? "" : arena_printf(a, " (%s)", why));
        for (int i = 0; i < steps.len; i++) {
            const Step *st = LIST_GET(&steps, i);
            StrBuf names;
            sb_init(&names, a);
            for (int k = 0; k < st->migs.len; k++) {
                const Migration *m = LIST_GET(&st->migs, k);
                sb_printf(&names, "%s%s (%s%s)", k ? ", " : "", m->name, phase_label(m),
                          m->no_transaction ? ", atomic = False" : "");
            }
            if (!st->app)
                sb_append(&names, "the migrations of apps zdm did not read (django.contrib, third-party)");
            fprintf(r->out, "-- %s\n%s\n", names.data, step_command(a, r->manage, st));
        }
    } else if (steps.len) {
        const char *version = r->dir ? probe_django(r, &why, err) : NULL;
        if (!version && err->message[0])
            return -1;
        if (!version && run.len == 0) {
            /* nothing of zdm's to apply: no reason to stop the deploy */
            fprintf(stderr, "zdm: warning: cannot run Django (%s): the migrations of apps zdm does not read "
                            "(django.contrib, third-party) may be pending; run %s migrate\n", why, r->manage);
            return 0;
        }
        if (!version) {
            if (!r->dir)
                r->dir = o->project;
            return refuse(r, why, &pending, &run, err);
        }
        int planned = h->items[0]->django ? h->items[0]->django->version : 0;
        fprintf(stderr, "zdm: applying through Django %s (%s, in %s)\n", version, r->manage, r->dir);
        int major = atoi(version), minor = strchr(version, '.') ? atoi(strchr(version, '.') + 1) : 0;
        if (planned && major * 10 + minor != planned && major >= 3)
            fprintf(stderr, "zdm: note: the plan followed Django %d.%d's SQL; zdm plan --django %d.%d shows "
                            "this Django's\n", planned / 10, planned % 10, major, minor);
        StrMap reported = {0};
        for (int i = 0; i < steps.len; i++)
            if (run_step(r, LIST_GET(&steps, i), &reported, err) < 0)
                return -1;
    }
    if (waiting.message[0]) {
        *err = waiting;
        return -1;
    }
    if (stop)
        fprintf(stderr, "zdm: stopped before %s: the plan puts it %s; %d migration%s left for --phase after-deploy\n",
                stop->name, stop->phase == PHASE_TWO_RELEASES ? "in a second release" : "after the deploy", left,
                left == 1 ? "" : "s");
    return 0;
}

int db_django_migrate(Arena *a, History *h, const RunOptions *o, FILE *out, ZdmError *err)
{
    for (int i = 0; i < h->n; i++)
        if (!h->items[i]->django)
            return zdm_error(err, h->items[i]->file, 0, 0,
                             "a Django project's migrations run through Django: give zdm migrate the project "
                             "alone, not SQL migrations with it");
    DjRun r = {.a = a, .o = o, .h = h, .out = out, .manage = o->manage};
    if (o->manage && !*o->manage)
        return zdm_error(err, NULL, 0, 0, "--manage needs a command, such as \"python3 manage.py\"");
    r.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    r.appname = arena_printf(a, "zdm migrate %ld", (long)getpid());
    r.conn = db_connect(a, o->url, err);
    if (!r.conn)
        return -1;
    DbInterrupt intr;
    db_interrupt_begin(&intr, r.conn, 0, NULL);
    int rc = django_run(&r, h, err);
    if (rc < 0 && db_signals && strncmp(err->message, "interrupted", 11) != 0)
        interrupted(err, "by a signal");
    db_interrupt_end(&intr);
    PQfinish(r.conn);
    return rc;
}
