/*
 * runner.c — `zdm migrate`: applies a phase of the plan to a live database.
 *
 * The contract, in the order a run meets it:
 *  - One runner at a time: a session advisory lock keyed on the history
 *    table, taken before the history is read, so ten runners started together
 *    apply each migration exactly once.
 *  - The plan decides: the migrations the history records are deployed, the
 *    planner places the others, and --phase before-deploy stops at the first
 *    one placed after the deploy. An unacknowledged error finding stops a
 *    phased run before anything is applied.
 *  - A migration runs in one transaction with its history row, so it is
 *    applied entirely or not at all. One that holds a statement a transaction
 *    cannot hold (CONCURRENTLY, VACUUM, ...) runs statement by statement: each
 *    ordinary statement commits together with the progress it makes, each
 *    CONCURRENTLY one runs alone and then records its progress. A re-run
 *    resumes after the last statement done; an INVALID index that a broken
 *    CREATE INDEX CONCURRENTLY left behind is dropped and built again.
 *  - Every statement that takes a lock above ROW EXCLUSIVE on an existing
 *    table runs under a short lock_timeout, so the queue behind it never waits
 *    longer than that; on 55P03 the whole transaction is retried after an
 *    exponential, jittered backoff, a bounded number of times within a bounded
 *    total. CONCURRENTLY builds never run under it: their waits for older
 *    snapshots count against lock_timeout and a timeout leaves an INVALID
 *    index behind.
 *  - Ctrl-C (and SIGTERM) cancel the running statement through PQcancel
 *    (interrupt.h); the transaction rolls back, so the history stays true.
 *
 * --dry-run prints the very SQL the run would send, settings included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../sql/sql.h"
#include "../util/sha256.h"
#include "../backfill/backfill.h"
#include "db.h"
#include "../sql/pg.h"

/* ---- Ctrl-C (interrupt.h) ----------------------------------------------------- */

static int interrupted_error(ZdmError *err, const char *what)
{
    zdm_error(err, NULL, 0, 0, "interrupted %s; the history records only what completed", what);
    err->kind = ERR_DATABASE;
    return -1;
}

/* ---- the run ----------------------------------------------------------------- */

typedef struct Runner {
    Arena *a;
    PGconn *conn;
    const RunOptions *o;
    FILE *out;
    DbHistory dh;
    int pg_version;
    unsigned seed;
} Runner;

/* The advisory lock's key: one per history table, so runners of different
 * --schema histories on one database do not wait for each other. */
static long long lock_key(const char *schema)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = schema; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (long long)((0x7a646dULL << 32) | h); /* "zdm" */
}

static const char *lock_holder(Arena *a, PGconn *conn, long long key)
{
    ZdmError ignore = {0};
    const char *sql = arena_printf(a,
        "SELECT pid, to_char(now() - backend_start, 'HH24:MI:SS') FROM pg_locks JOIN pg_stat_activity USING (pid)"
        " WHERE locktype = 'advisory' AND granted AND classid = %u AND objid = %u AND objsubid = 1",
        (unsigned)((unsigned long long)key >> 32), (unsigned)((unsigned long long)key & 0xffffffffu));
    PGresult *res = db_query(conn, sql, 0, NULL, &ignore);
    const char *who = "another session";
    if (res && PQntuples(res) > 0)
        who = arena_printf(a, "pid %s, connected for %s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    PQclear(res);
    return who;
}

/*
 * Polls pg_try_advisory_lock rather than waiting in pg_advisory_lock: a
 * session waiting inside a statement holds a snapshot, and the runner that
 * holds the lock may be building an index CONCURRENTLY, which waits for every
 * older snapshot to go: the two would wait for each other until the deadlock
 * detector kills one.
 */
int db_take_run_lock(Arena *a, PGconn *conn, const RunOptions *o, const volatile sig_atomic_t *stop,
                     ZdmError *err)
{
    long long key = lock_key(o->schema);
    const char *what = arena_printf(a, "%s.%s", o->schema, DB_HISTORY_TABLE);
    const char *sql = arena_printf(a, "SELECT pg_try_advisory_lock(%lld)", key);
    bool wait = !o->no_wait && o->wait_ms > 0;
    double start = util_now_ms();
    bool said = false;
    for (long pause = 50;; pause = pause < 500 ? pause * 2 : 500) {
        PGresult *res = db_query(conn, sql, 0, NULL, err);
        if (!res)
            return -1;
        bool got = PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        if (got)
            return 0;
        if (!wait) {
            zdm_error(err, NULL, 0, 0, "another zdm migrate is running on %s (%s); not waiting (--no-wait)",
                      what, lock_holder(a, conn, key));
            err->kind = ERR_DATABASE;
            return -1;
        }
        double spent = util_now_ms() - start;
        if (spent >= (double)o->wait_ms) {
            zdm_error(err, NULL, 0, 0, "another zdm migrate is running on %s (%s); gave up after --wait %s",
                      what, lock_holder(a, conn, key), db_format_duration(a, o->wait_ms));
            err->kind = ERR_DATABASE;
            return -1;
        }
        if (!said) {
            fprintf(stderr, "zdm: another zdm migrate is running on %s (%s); waiting up to %s\n", what,
                    lock_holder(a, conn, key), db_format_duration(a, o->wait_ms));
            said = true;
        }
        long left = o->wait_ms - (long)spent;
        util_sleep_ms(pause < left ? pause : left, stop);
        if (*stop)
            return interrupted_error(err, "while waiting for another zdm migrate");
    }
}

/* ---- what each statement needs --------------------------------------------- */

static bool defelem_named(const PgList *list, const char *name)
{
    foreach_node(DefElem, d, list)
        if (util_streq(d->defname, name))
            return true;
    return false;
}

/* A statement PostgreSQL refuses inside a transaction block. */
static bool needs_autocommit(const Statement *s, int pg_version)
{
    const Node *n = s->node;
    if (!n)
        return false;
    switch (nodeTag(n)) {
    case T_IndexStmt:
        return castNode(IndexStmt, n)->concurrent;
    case T_DropStmt:
        return castNode(DropStmt, n)->concurrent;
    case T_ReindexStmt:
        return defelem_named(castNode(ReindexStmt, n)->params, "concurrently");
    case T_VacuumStmt:
        return castNode(VacuumStmt, n)->is_vacuumcmd;
    case T_AlterEnumStmt: /* ADD VALUE: in a transaction from 12 on */
        return pg_version < 12 && !castNode(AlterEnumStmt, n)->oldVal;
    case T_AlterTableStmt:
        foreach_node(AlterTableCmd, c, castNode(AlterTableStmt, n)->cmds)
            if (c->def && IsA(c->def, PartitionCmd) && castNode(PartitionCmd, c->def)->concurrent)
                return true;
        return false;
    case T_CreatedbStmt:
    case T_DropdbStmt:
    case T_AlterSystemStmt:
    case T_CreateTableSpaceStmt:
    case T_DropTableSpaceStmt:
        return true;
    default:
        return false;
    }
}

/* BEGIN/COMMIT the migration wrote itself: zdm brings its own transaction. */
static int transaction_kind(const Statement *s)
{
    return s->node && IsA(s->node, TransactionStmt) ? (int)castNode(TransactionStmt, s->node)->kind : -1;
}

static bool is_own_transaction_control(const Statement *s)
{
    int k = transaction_kind(s);
    return k == TRANS_STMT_BEGIN || k == TRANS_STMT_START || k == TRANS_STMT_COMMIT;
}

/* The strongest lock above ROW EXCLUSIVE the statement takes, or NULL.
 * Tables created earlier in the release count too: by the time a later
 * migration runs, the one that created them has committed and the table is
 * live; a lock_timeout on an uncontended lock costs nothing. */
static const LockTaken *strong_lock(const Statement *s)
{
    const LockTaken *best = NULL;
    if (!s->fx)
        return NULL;
    for (int i = 0; i < s->fx->locks.len; i++) {
        const LockTaken *lk = LIST_GET(&s->fx->locks, i);
        if (lk->mode > LOCK_ROW_EXCLUSIVE && (!best || lk->mode > best->mode))
            best = lk;
    }
    return best;
}

/* DO blocks, functions and anything the replay could not read: their locks
 * are unknown, so they get the short lock_timeout too. */
static bool locks_unknown(const Statement *s)
{
    if (!s->fx)
        return true;
    for (int i = 0; i < s->fx->actions.len; i++)
        if (((const Action *)LIST_GET(&s->fx->actions, i))->kind == ACT_NOT_ANALYSED)
            return true;
    return false;
}

static bool sets_own(const Statement *s, ActionKind kind)
{
    if (!s->fx)
        return false;
    for (int i = 0; i < s->fx->actions.len; i++)
        if (((const Action *)LIST_GET(&s->fx->actions, i))->kind == kind)
            return true;
    return false;
}

static long statement_timeout_for(const Runner *r, const Statement *s)
{
    Cost c = s->fx ? s->fx->cost : COST_NONE;
    return r->o->statement_timeout_ms[c];
}

/* The statement's text, ready to be followed by ";". */
static const char *statement_sql(Arena *a, const Statement *s)
{
    const char *nl = NULL;
    for (int i = s->len - 1; i >= 0; i--)
        if (s->sql[i] == '\n') {
            nl = s->sql + i;
            break;
        }
    const char *last = nl ? nl + 1 : s->sql;
    /* a trailing "-- comment" would swallow the ';' that follows */
    bool comment = false;
    for (const char *p = last; p + 1 < s->sql + s->len; p++)
        if (p[0] == '-' && p[1] == '-')
            comment = true;
    return arena_printf(a, "%.*s%s", s->len, s->sql, comment ? "\n" : "");
}

/* ---- batches: several statements, one round trip ----------------------------- */

/*
 * Statements sent together in libpq's pipeline mode: each with its own
 * parameters (the migration's name, its hashes: never pasted into the SQL,
 * where a migration's own SET standard_conforming_strings = off or a name
 * holding a backslash and a quote would break out of the literal), one Sync
 * at the end. Like a simple-protocol string of several statements, the
 * server runs them in one implicit transaction unless one says BEGIN, stops
 * at the first error, and answers each with one result, so counting results
 * tells which statement failed. owner of a part is the statement index, or
 * -1 for zdm's own statements.
 */
typedef struct Part {
    const char *sql;
    int stmt;
    int nparams;
    const char *const *params;
} Part;

typedef struct Batch {
    Arena *a;
    List parts; /* Part* */
} Batch;

static void batch_init(Batch *b, Arena *a)
{
    b->a = a;
    memset(&b->parts, 0, sizeof b->parts);
}

static void batch_addp(Batch *b, const char *sql, int stmt, int nparams, const char *const *params)
{
    Part *p = arena_alloc(b->a, sizeof *p);
    p->sql = sql;
    p->stmt = stmt;
    p->nparams = nparams;
    p->params = params;
    list_push(b->a, &b->parts, p);
}

static void batch_add(Batch *b, const char *sql, int stmt)
{
    batch_addp(b, sql, stmt, 0, NULL);
}

typedef struct Failure {
    int stmt;             /* index of the failing statement, -1 zdm's own */
    char sqlstate[6];
} Failure;

static int record_failure(Runner *r, const Migration *m, const Part *p, PGresult *res, Failure *f,
                          ZdmError *err)
{
    f->stmt = p ? p->stmt : -1;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(f->sqlstate, sizeof f->sqlstate, "%s", state ? state : "");
    if (f->stmt >= 0) {
        const Statement *s = m->stmts[f->stmt];
        db_error(err, r->conn, res, "statement failed");
        snprintf(err->file, sizeof err->file, "%s", m->file);
        err->line = s->line;
        err->column = s->column;
    } else {
        db_error(err, r->conn, res, arena_printf(r->a, "%s", m->name));
    }
    return -1;
}

/* Runs b; 0 when every part succeeded, else -1 with err and *f. Leaves the
 * session outside any transaction. */
static int batch_run(Runner *r, const Migration *m, Batch *b, Failure *f, ZdmError *err)
{
    f->stmt = -1;
    f->sqlstate[0] = '\0';
    if (b->parts.len == 0)
        return 0;
    if (!PQenterPipelineMode(r->conn))
        return db_error(err, r->conn, NULL, "sending to the server");
    int sent = 0;
    for (; sent < b->parts.len; sent++) {
        const Part *p = LIST_GET(&b->parts, sent);
        if (!PQsendQueryParams(r->conn, p->sql, p->nparams, NULL, p->params, NULL, NULL, 0))
            break;
    }
    bool failed = false;
    if (sent < b->parts.len || !PQpipelineSync(r->conn)) {
        failed = true;
        db_error(err, r->conn, NULL, "sending to the server");
    }
    /* one result (then NULL) per part sent, then the Sync's */
    for (int k = 0; k < sent && PQstatus(r->conn) == CONNECTION_OK; k++) {
        const Part *p = LIST_GET(&b->parts, k);
        PGresult *res;
        while ((res = PQgetResult(r->conn)) != NULL) {
            ExecStatusType st = PQresultStatus(res);
            if (!failed && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY &&
                st != PGRES_PIPELINE_ABORTED) {
                failed = true;
                record_failure(r, m, p, res, f, err);
            }
            PQclear(res);
        }
    }
    if (PQstatus(r->conn) == CONNECTION_OK) {
        PGresult *res;
        while ((res = PQgetResult(r->conn)) != NULL) {
            bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
            PQclear(res);
            if (sync)
                break;
        }
        PQexitPipelineMode(r->conn);
    }
    if (PQstatus(r->conn) == CONNECTION_OK && PQtransactionStatus(r->conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(r->conn, "ROLLBACK");
        PQclear(res);
    }
    if (PQstatus(r->conn) != CONNECTION_OK && !failed) {
        failed = true;
        db_error(err, r->conn, NULL, "connection lost");
    }
    return failed ? -1 : 0;
}

/* What --dry-run prints of a batch: its SQL, each parameter shown as the
 * literal it stands for. */
static void dry_print(Runner *r, const Batch *b)
{
    for (int k = 0; k < b->parts.len; k++) {
        const Part *p = LIST_GET(&b->parts, k);
        const char *sql = p->sql;
        for (int i = p->nparams; i >= 1; i--) {
            const char *mark = arena_printf(r->a, "$%d", i);
            const char *lit = p->params[i - 1] ? db_quote_literal(r->a, p->params[i - 1]) : "NULL";
            StrBuf sb;
            sb_init(&sb, r->a);
            for (const char *q = sql; *q;) {
                const char *hit = strstr(q, mark);
                if (!hit) {
                    sb_append(&sb, q);
                    break;
                }
                sb_appendn(&sb, q, (size_t)(hit - q));
                sb_append(&sb, lit);
                q = hit + strlen(mark);
            }
            sql = sb.data;
        }
        fprintf(r->out, "%s;\n", sql);
    }
}

/* A lost connection mid-migration: say what the history holds and what to do. */
static int connection_lost(Runner *r, const Migration *m, int done, bool split, ZdmError *err)
{
    if (PQstatus(r->conn) == CONNECTION_OK)
        return -1;
    char note[400];
    if (split)
        snprintf(note, sizeof note, "; the connection was lost: %s is partly applied (%d of %d statements done); "
                 "run zdm migrate again to resume", m->name, done, m->nstmts);
    else
        snprintf(note, sizeof note, "; the connection was lost: nothing of %s was applied (its transaction "
                 "rolled back); run zdm migrate again", m->name);
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, "%s", note);
    err->kind = ERR_DATABASE;
    return -1;
}

/*
 * Runs a batch, retrying after a lock timeout (55P03) with backoff. lock
 * names what the statements wait for, for the log.
 */
static int batch_run_retrying(Runner *r, const Migration *m, Batch *b, ZdmError *err)
{
    double start = util_now_ms();
    for (int attempt = 0;; attempt++) {
        Failure f;
        if (db_signals)
            return interrupted_error(err, arena_printf(r->a, "before %s", m->name));
        if (batch_run(r, m, b, &f, err) == 0)
            return 0;
        if (db_signals || strcmp(f.sqlstate, "57014") == 0) {
            if (db_signals)
                return interrupted_error(err, arena_printf(r->a, "during %s: rolled back", m->name));
            return -1; /* statement_timeout: not a lock wait, retrying would not help */
        }
        if (strcmp(f.sqlstate, "55P03") != 0)
            return -1;
        const Statement *s = f.stmt >= 0 ? m->stmts[f.stmt] : NULL;
        const LockTaken *lk = s ? strong_lock(s) : NULL;
        const char *waited = lk ? arena_printf(r->a, "%s on %s", lock_mode_name(lk->mode),
                                               catalog_display(lk->relation))
                                : "a lock";
        int attempts = r->o->lock_retries + 1;
        long delay = db_backoff_ms(attempt, r->o->retry_base_ms, 30000,
                                   (double)rand_r(&r->seed) / ((double)RAND_MAX + 1.0));
        double spent = util_now_ms() - start;
        if (attempt + 1 >= attempts || spent + (double)delay > (double)r->o->lock_retry_max_ms) {
            zdm_error(err, m->file, s ? s->line : 0, s ? s->column : 0,
                      "could not get %s within lock_timeout %s after %d attempt%s in %.1f s; "
                      "nothing of %s was applied (raise --lock-retries / --lock-retry-max, or find "
                      "what holds the lock in pg_locks)",
                      waited, db_format_duration(r->a, r->o->lock_timeout_ms), attempt + 1,
                      attempt ? "s" : "", spent / 1000.0, m->name);
            err->kind = ERR_DATABASE;
            return -1;
        }
        fprintf(stderr, "zdm: %s:%d: could not get %s within lock_timeout %s (attempt %d of %d); "
                        "rolled back, retrying in %.1f s\n",
                m->name, s ? s->line : 0, waited, db_format_duration(r->a, r->o->lock_timeout_ms),
                attempt + 1, attempts, (double)delay / 1000.0);
        fflush(stderr);
        util_sleep_ms(delay, &db_signals);
    }
}

/* ---- one migration ---------------------------------------------------------- */

/* SET LOCAL (in a transaction) or SET (a statement run alone) of the two
 * timeouts, only when they differ from what the session has. */
typedef struct Timeouts {
    long lock, stmt; /* -1: unknown */
    bool own_lock, own_stmt; /* the migration sets them itself: zdm leaves them */
} Timeouts;

static void add_timeouts(Runner *r, Batch *b, Timeouts *t, const Statement *s, bool local, bool concurrent)
{
    const char *set = local ? "SET LOCAL" : "SET";
    long want_lock = 0;
    if (!concurrent && (strong_lock(s) || locks_unknown(s)))
        want_lock = r->o->lock_timeout_ms;
    long want_stmt = statement_timeout_for(r, s);
    if (!t->own_stmt && want_stmt != t->stmt) {
        batch_add(b, arena_printf(r->a, "%s statement_timeout = '%s'", set, db_format_duration(r->a, want_stmt)), -1);
        t->stmt = want_stmt;
    }
    if (!t->own_lock && want_lock != t->lock) {
        batch_add(b, arena_printf(r->a, "%s lock_timeout = '%s'", set, db_format_duration(r->a, want_lock)), -1);
        t->lock = want_lock;
    }
    if (sets_own(s, ACT_SET_LOCK_TIMEOUT))
        t->own_lock = true;
    if (sets_own(s, ACT_SET_STATEMENT_TIMEOUT))
        t->own_stmt = true;
}

static const char *phase_label(const Migration *m)
{
    return m->phase == PHASE_BEFORE || m->phase == PHASE_AFTER ? phase_name(m->phase) : "any";
}

/* The history row of a migration done in one transaction: $1 name, $2
 * sha-256, $3 phase. */
static void add_history_insert(Runner *r, Batch *b, const Migration *m, const char *sha, bool finished)
{
    Arena *a = r->a;
    const char *fin = finished ? "clock_timestamp()" : "NULL";
    const char *dur = finished ? "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint" : "NULL";
    int done = finished ? m->nstmts : 0;
    const char **params = arena_alloc(a, 3 * sizeof *params);
    params[0] = m->name;
    params[1] = sha;
    params[2] = phase_label(m);
    batch_addp(b, arena_printf(a,
        "INSERT INTO %s (name, sha256, phase, started_at, finished_at, duration_ms, last_statement, statements,"
        " done_sha256) VALUES ($1, $2, $3, now(), %s, %s, %d, %d, NULL)"
        " ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, phase = excluded.phase,"
        " started_at = excluded.started_at, finished_at = excluded.finished_at,"
        " duration_ms = excluded.duration_ms, last_statement = excluded.last_statement,"
        " statements = excluded.statements, done_sha256 = NULL",
        r->dh.table, fin, dur, done, m->nstmts), -1, 3, params);
}

static int run_in_transaction(Runner *r, Migration *m, const char *sha, ZdmError *err)
{
    Batch b;
    batch_init(&b, r->a);
    batch_add(&b, "BEGIN", -1);
    Timeouts t = {-1, -1, false, false};
    for (int i = 0; i < m->nstmts; i++) {
        Statement *s = m->stmts[i];
        if (is_own_transaction_control(s))
            continue;
        add_timeouts(r, &b, &t, s, true, false);
        batch_add(&b, statement_sql(r->a, s), i);
    }
    add_history_insert(r, &b, m, sha, true);
    batch_add(&b, "COMMIT", -1);
    if (r->o->dry_run) {
        dry_print(r, &b);
        return 0;
    }
    if (batch_run_retrying(r, m, &b, err) < 0)
        return connection_lost(r, m, 0, false, err);
    return 0;
}

/* ---- statement by statement: what a resume finds -------------------------------- */

/*
 * The identity of the statements done: a chain of sha-256 over each
 * statement's text, so that the hash after statement k names statements 1..k
 * exactly as they ran. A resume compares it with the file's statements, so
 * an edit of a statement that has not run yet is fine and one of a
 * statement that ran is caught, whatever the file's hash says.
 */
static const char *chain_sha(Arena *a, const char *prev, const Statement *s)
{
    char one[65], *hex = arena_alloc(a, 65);
    sha256_hex(s->sql, (size_t)s->len, one);
    const char *both = arena_printf(a, "%s %s", prev ? prev : "", one);
    sha256_hex(both, strlen(both), hex);
    return hex;
}

static const char *prefix_sha(Arena *a, const Migration *m, int n)
{
    const char *h = NULL;
    for (int i = 0; i < n && i < m->nstmts; i++)
        h = chain_sha(a, h, m->stmts[i]);
    return h;
}

/* The name a RangeVar of the parse tree stands for, as SQL writes it. */
static const char *rangevar_sql(Arena *a, const RangeVar *rv)
{
    const char *rel = rv ? rv->relname : NULL;
    if (!rel)
        return NULL;
    const char *sch = rv->schemaname;
    return sch ? arena_printf(a, "%s.%s", db_quote_ident(a, sch), db_quote_ident(a, rel)) : db_quote_ident(a, rel);
}

/* A CREATE INDEX CONCURRENTLY: its table as written (resolved in the
 * session, along the search_path the migration set) and its name. */
static bool concurrent_index(Arena *a, const Statement *s, const char **table, const char **name)
{
    const IndexStmt *ix = s->node && IsA(s->node, IndexStmt) ? castNode(IndexStmt, s->node) : NULL;
    if (!ix || !ix->concurrent)
        return false;
    *table = rangevar_sql(a, ix->relation);
    *name = ix->idxname;
    for (int i = 0; !*name && s->fx && i < s->fx->actions.len; i++) {
        const Action *ac = LIST_GET(&s->fx->actions, i); /* unnamed: the name PostgreSQL chose, as replayed */
        if (ac->kind == ACT_CREATE_INDEX && ac->column)
            *name = ac->column;
    }
    return *table && *name;
}

/* 1 valid, 0 invalid, -2 absent, -1 error; *qname the index as SQL. */
static int index_state(Runner *r, const char *table, const char *name, const char **qname, ZdmError *err)
{
    const char *params[] = {table, name};
    PGresult *res = db_query(r->conn,
        "SELECT i.indisvalid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass($1)) AND c.relname = $2",
        2, params, err);
    if (!res)
        return -1;
    int state = PQntuples(res) == 0 ? -2 : PQgetvalue(res, 0, 0)[0] == 't' ? 1 : 0;
    *qname = PQntuples(res) ? arena_strdup(r->a, PQgetvalue(res, 0, 1)) : name;
    PQclear(res);
    return state;
}

/* $1 name, $2 statements done, $3 their chained hash, $4 the file's sha-256. */
static void add_progress(Runner *r, Batch *b, const Migration *m, const char *sha, int done, const char *done_sha)
{
    const char **params = arena_alloc(r->a, 4 * sizeof *params);
    params[0] = m->name;
    params[1] = arena_printf(r->a, "%d", done);
    params[2] = done_sha;
    params[3] = sha;
    batch_addp(b, arena_printf(r->a, "UPDATE %s SET last_statement = $2::int, done_sha256 = $3, sha256 = $4"
                                     " WHERE name = $1", r->dh.table), -1, 4, params);
}

/* Whether the statement creates a temporary relation: CREATE TEMP TABLE,
 * VIEW or SEQUENCE, CREATE TEMP TABLE AS, SELECT INTO TEMP. */
static bool makes_temp(const Node *n)
{
    const RangeVar *rv = NULL;
    if (!n)
        return false;
    if (IsA(n, CreateStmt))
        rv = castNode(CreateStmt, n)->relation;
    else if (IsA(n, ViewStmt))
        rv = castNode(ViewStmt, n)->view;
    else if (IsA(n, CreateSeqStmt))
        rv = castNode(CreateSeqStmt, n)->sequence;
    else if (IsA(n, CreateTableAsStmt) && castNode(CreateTableAsStmt, n)->into)
        rv = castNode(CreateTableAsStmt, n)->into->rel;
    else if (IsA(n, SelectStmt) && castNode(SelectStmt, n)->intoClause)
        rv = castNode(SelectStmt, n)->intoClause->rel;
    return rv && rv->relpersistence == RELPERSISTENCE_TEMP;
}

static bool text_has(const Statement *s, const char *word)
{
    size_t n = strlen(word);
    for (int i = 0; i + (int)n <= s->len; i++)
        if (strncasecmp(s->sql + i, word, n) == 0)
            return true;
    return false;
}

/*
 * The session a resume starts in is a new one: the settings the statements
 * before the resume point made (SET search_path, SET ROLE, timeouts) are
 * gone. SET and RESET are re-run, in order, before going on; session state
 * that cannot be re-made that way (temporary tables, prepared statements,
 * LISTEN, set_config() calls) refuses the resume, naming the statement.
 */
static int restore_session(Runner *r, Migration *m, int start, Timeouts *session, ZdmError *err)
{
    Batch b;
    batch_init(&b, r->a);
    StrBuf lines;
    sb_init(&lines, r->a);
    for (int i = 0; i < start; i++) {
        const Statement *s = m->stmts[i];
        const Node *n = s->node;
        const char *why = NULL;
        if (n && (IsA(n, VariableSetStmt) || IsA(n, DiscardStmt))) {
            if (IsA(n, DiscardStmt) || !castNode(VariableSetStmt, n)->is_local) {
                batch_add(&b, statement_sql(r->a, s), i);
                sb_printf(&lines, "%s%d", lines.len ? ", " : "", s->line);
            }
        } else if (n && (IsA(n, PrepareStmt) || IsA(n, ListenStmt) || IsA(n, DeclareCursorStmt) ||
                         IsA(n, LoadStmt))) {
            why = "a prepared statement, LISTEN, a cursor or a loaded library";
        } else if (makes_temp(s->node)) {
            why = "a temporary object";
        } else if (text_has(s, "set_config")) {
            why = "a set_config() call";
        }
        if (why) {
            zdm_error(err, m->file, s->line, s->column,
                      "cannot resume after statement %d: it left session state (%s) that the new session "
                      "would lack; %s is partly applied (%d of %d statements done): finish it by hand and "
                      "record it (UPDATE %s SET finished_at = now(), last_statement = statements WHERE "
                      "name = '%s'), or move that statement next to the ones that need it",
                      start, why, m->name, start, m->nstmts, r->dh.table, m->name);
            err->kind = ERR_DATABASE;
            return -1;
        }
        if (sets_own(s, ACT_SET_LOCK_TIMEOUT))
            session->own_lock = true;
        if (sets_own(s, ACT_SET_STATEMENT_TIMEOUT))
            session->own_stmt = true;
    }
    if (b.parts.len == 0)
        return 0;
    if (r->o->dry_run) {
        fprintf(r->out, "-- re-running the SET statements before the resume point\n");
        dry_print(r, &b);
        return 0;
    }
    fprintf(stderr, "zdm: %s: re-running the SET statements before it: line%s %s\n", m->name,
            strchr(lines.data, ',') ? "s" : "", lines.data);
    Failure f;
    return batch_run(r, m, &b, &f, err);
}

/* The file's statements 1..start must be the ones that ran. */
static int check_done_identity(Runner *r, Migration *m, const char *sha, const Applied *row, int start,
                               ZdmError *err)
{
    if (!row->sha256 || strcmp(row->sha256, sha) == 0 || start == 0)
        return 0;
    const char *now = prefix_sha(r->a, m, start);
    if (row->done_sha256 && now && strcmp(row->done_sha256, now) == 0)
        return 0;
    return zdm_error(err, m->file, m->stmts[0]->line, m->stmts[0]->column,
                     "cannot resume %s: %s ran as other text than the file has now (the edit touches what "
                     "already ran%s); revert the edit to finish the migration, then put the change in a new one",
                     m->name, start == 1 ? "statement 1" : arena_printf(r->a, "statements 1 to %d", start),
                     row->done_sha256 ? "" : ", or the history predates statement hashes");
}

/* Runs one CONCURRENTLY statement (or another that refuses a transaction)
 * on its own, with what a resume needs first. 1: done without running it
 * (the database already holds its result), 0 run, -1 error. */
static int before_alone(Runner *r, Migration *m, int i, bool resuming, Timeouts *session, const char **instead,
                        ZdmError *err)
{
    Arena *a = r->a;
    Statement *s = m->stmts[i];
    const Node *n = s->node;
    *instead = NULL;
    if (r->o->dry_run || !n)
        return 0;
    const char *ix_table, *ix_name, *qname;
    if (concurrent_index(a, s, &ix_table, &ix_name)) {
        int state = index_state(r, ix_table, ix_name, &qname, err);
        if (state == -1)
            return -1;
        if (state == 1 && resuming) {
            fprintf(stderr, "zdm: %s:%d: index %s already built; recording it\n", m->name, s->line, qname);
            return 1;
        }
        if (state == 0) {
            fprintf(stderr, "zdm: %s:%d: index %s is INVALID (a CREATE INDEX CONCURRENTLY that did not finish); "
                            "dropping it to build it again\n", m->name, s->line, qname);
            Batch d;
            batch_init(&d, a);
            batch_add(&d, "SET lock_timeout = 0", -1);
            batch_add(&d, arena_printf(a, "DROP INDEX CONCURRENTLY IF EXISTS %s", qname), -1);
            for (int k = 0; k < d.parts.len; k++) {
                Batch one = {.a = a};
                list_push(a, &one.parts, LIST_GET(&d.parts, k));
                Failure f;
                if (batch_run(r, m, &one, &f, err) < 0)
                    return -1;
            }
            session->lock = 0;
        }
        return 0;
    }
    if (IsA(n, DropStmt) && resuming && castNode(DropStmt, n)->concurrent &&
        castNode(DropStmt, n)->removeType == OBJECT_INDEX) {
        /* killed while waiting, the server may have finished the drop after the run was gone */
        bool any = false;
        foreach_ptr(Node, obj, castNode(DropStmt, n)->objects) {
            StrBuf nm;
            sb_init(&nm, a);
            foreach_ptr(Node, it, IsA(obj, PgList) ? castNode(PgList, obj) : NIL)
                sb_printf(&nm, "%s%s", nm.len ? "." : "", db_quote_ident(a, IsA(it, String) ? strVal(it) : ""));
            bool exists;
            if (db_relation_exists(r->conn, nm.data, &exists, err) < 0)
                return -1;
            any = any || exists;
        }
        if (!any) {
            fprintf(stderr, "zdm: %s:%d: the index is already dropped; recording it\n", m->name, s->line);
            return 1;
        }
        return 0;
    }
    if (IsA(n, AlterTableStmt)) {
        foreach_node(AlterTableCmd, c, castNode(AlterTableStmt, n)->cmds) {
            const PartitionCmd *pc = c->def && IsA(c->def, PartitionCmd) ? castNode(PartitionCmd, c->def) : NULL;
            if (!pc || !pc->concurrent)
                continue;
            const char *parent = rangevar_sql(a, castNode(AlterTableStmt, n)->relation);
            const char *child = rangevar_sql(a, pc->name);
            const char *params[] = {parent, child};
            PGresult *res = db_query(r->conn, "SELECT inhdetachpending FROM pg_inherits WHERE inhparent = "
                                     "to_regclass($1) AND inhrelid = to_regclass($2)", 2, params, err);
            if (!res)
                return -1;
            int rows = PQntuples(res);
            bool pending = rows && PQgetvalue(res, 0, 0)[0] == 't';
            PQclear(res);
            if (pending) {
                /* PostgreSQL's own way to finish a detach whose second transaction did not complete */
                *instead = arena_printf(a, "ALTER TABLE %s DETACH PARTITION %s FINALIZE", parent, child);
                fprintf(stderr, "zdm: %s:%d: partition %s is pending detach (a DETACH PARTITION CONCURRENTLY "
                                "that did not finish); finishing it: %s\n", m->name, s->line, child, *instead);
                return 0;
            }
            if (rows == 0 && resuming) {
                fprintf(stderr, "zdm: %s:%d: partition %s is already detached; recording it\n", m->name,
                        s->line, child);
                return 1;
            }
            return 0;
        }
        return 0;
    }
    if (IsA(n, ReindexStmt) && resuming) {
        /* an interrupted REINDEX CONCURRENTLY leaves its new copy (NAME_ccnew,
         * INVALID) or the old one (NAME_ccold) behind; a re-run would add
         * another beside it */
        ReindexObjectType kind = castNode(ReindexStmt, n)->kind;
        const char *rel = rangevar_sql(a, castNode(ReindexStmt, n)->relation);
        bool one = kind == REINDEX_OBJECT_INDEX;
        if (!rel || (!one && kind != REINDEX_OBJECT_TABLE))
            return 0;
        const char *params[] = {rel};
        PGresult *res = db_query(r->conn, one
            ? "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i"
              " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace,"
              " (SELECT indrelid, relname FROM pg_index JOIN pg_class ON oid = indexrelid"
              "  WHERE indexrelid = to_regclass($1)) base"
              " WHERE NOT i.indisvalid AND i.indrelid = base.indrelid AND left(c.relname, length(base.relname)) ="
              " base.relname AND substr(c.relname, length(base.relname) + 1) ~ '^_cc(new|old)[0-9]*$'"
            : "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i"
              " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
              " WHERE NOT i.indisvalid AND i.indrelid = to_regclass($1) AND c.relname ~ '_cc(new|old)[0-9]*$'",
            1, params, err);
        if (!res)
            return -1;
        for (int k = 0; k < PQntuples(res); k++) {
            const char *ix = arena_strdup(a, PQgetvalue(res, k, 0));
            fprintf(stderr, "zdm: %s:%d: index %s is INVALID (a REINDEX CONCURRENTLY that did not finish); "
                            "dropping it\n", m->name, s->line, ix);
            Batch d;
            batch_init(&d, a);
            batch_add(&d, arena_printf(a, "DROP INDEX CONCURRENTLY IF EXISTS %s", ix), -1);
            Failure f;
            if (batch_run(r, m, &d, &f, err) < 0) {
                PQclear(res);
                return -1;
            }
        }
        PQclear(res);
    }
    return 0;
}

static int run_statement_by_statement(Runner *r, Migration *m, const char *sha, Applied *row,
                                      ZdmError *err)
{
    Arena *a = r->a;
    bool partial = row && !row->finished_at;
    int start = partial ? row->last_statement : 0;
    if (start > m->nstmts)
        start = m->nstmts;
    if (partial && check_done_identity(r, m, sha, row, start, err) < 0)
        return -1;
    if (r->o->dry_run) {
        if (start)
            fprintf(r->out, "-- resuming after statement %d of %d\n", start, m->nstmts);
    }
    Timeouts session = {-1, -1, false, false};
    if (!partial) {
        Batch b;
        batch_init(&b, a);
        add_history_insert(r, &b, m, sha, false);
        if (r->o->dry_run)
            dry_print(r, &b);
        else {
            Failure f;
            if (batch_run(r, m, &b, &f, err) < 0)
                return connection_lost(r, m, 0, true, err);
        }
    } else if (start) {
        fprintf(stderr, "zdm: %s: resuming after statement %d of %d (line %d)\n", m->name, start,
                m->nstmts, m->stmts[start - 1]->line);
        if (restore_session(r, m, start, &session, err) < 0)
            return PQstatus(r->conn) == CONNECTION_OK ? -1 : connection_lost(r, m, start, true, err);
    }
    const char *done_sha = prefix_sha(a, m, start);
    for (int i = start; i < m->nstmts; i++) {
        Statement *s = m->stmts[i];
        const char *next_sha = chain_sha(a, done_sha, s);
        if (db_signals)
            return interrupted_error(err, arena_printf(a, "in %s after statement %d of %d", m->name, i, m->nstmts));
        Batch b;
        batch_init(&b, a);
        if (is_own_transaction_control(s)) {
            add_progress(r, &b, m, sha, i + 1, next_sha);
        } else if (!needs_autocommit(s, r->pg_version)) {
            /* the statement and its progress commit together */
            Timeouts t = {-1, -1, session.own_lock, session.own_stmt};
            batch_add(&b, "BEGIN", -1);
            add_timeouts(r, &b, &t, s, true, false);
            session.own_lock = t.own_lock;
            session.own_stmt = t.own_stmt;
            batch_add(&b, statement_sql(a, s), i);
            add_progress(r, &b, m, sha, i + 1, next_sha);
            batch_add(&b, "COMMIT", -1);
            if (r->o->dry_run)
                dry_print(r, &b);
            else if (batch_run_retrying(r, m, &b, err) < 0)
                return connection_lost(r, m, i, true, err);
            done_sha = next_sha;
            continue;
        } else {
            /* alone: CONCURRENTLY and VACUUM refuse any transaction block,
             * even the implicit one of several statements */
            const char *instead;
            int pre = before_alone(r, m, i, partial && i == start, &session, &instead, err);
            if (pre < 0)
                return PQstatus(r->conn) == CONNECTION_OK ? -1 : connection_lost(r, m, i, true, err);
            add_progress(r, &b, m, sha, i + 1, next_sha);
            if (pre == 0) {
                Batch set;
                batch_init(&set, a);
                add_timeouts(r, &set, &session, s, false, true);
                Batch one;
                batch_init(&one, a);
                batch_add(&one, instead ? instead : statement_sql(a, s), i);
                if (r->o->dry_run) {
                    dry_print(r, &set);
                    dry_print(r, &one);
                    dry_print(r, &b);
                    done_sha = next_sha;
                    continue;
                }
                Failure f;
                if ((set.parts.len && batch_run(r, m, &set, &f, err) < 0) || batch_run_retrying(r, m, &one, err) < 0)
                    return connection_lost(r, m, i, true, err);
            }
        }
        if (r->o->dry_run)
            dry_print(r, &b);
        else {
            Failure f;
            if (batch_run(r, m, &b, &f, err) < 0)
                return connection_lost(r, m, i, true, err);
        }
        done_sha = next_sha;
    }
    Batch fin;
    batch_init(&fin, a);
    batch_add(&fin, "RESET statement_timeout", -1);
    batch_add(&fin, "RESET lock_timeout", -1);
    const char **params = arena_alloc(a, 3 * sizeof *params);
    params[0] = m->name;
    params[1] = sha;
    params[2] = done_sha;
    batch_addp(&fin, arena_printf(a,
        "UPDATE %s SET finished_at = clock_timestamp(), duration_ms = "
        "(extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint, last_statement = %d, "
        "sha256 = $2, done_sha256 = $3 WHERE name = $1", r->dh.table, m->nstmts), -1, 3, params);
    if (r->o->dry_run) {
        dry_print(r, &fin);
        return 0;
    }
    Failure f;
    if (batch_run(r, m, &fin, &f, err) < 0)
        return connection_lost(r, m, m->nstmts, true, err);
    return 0;
}

static bool runs_statement_by_statement(const Runner *r, const Migration *m, const Statement **why)
{
    for (int i = 0; i < m->nstmts; i++)
        if (needs_autocommit(m->stmts[i], r->pg_version)) {
            *why = m->stmts[i];
            return true;
        }
    *why = NULL;
    return m->no_transaction;
}

static int run_migration(Runner *r, Migration *m, ZdmError *err)
{
    for (int i = 0; i < m->nstmts; i++) {
        int k = transaction_kind(m->stmts[i]);
        if (k == TRANS_STMT_ROLLBACK || k == TRANS_STMT_PREPARE || k == TRANS_STMT_COMMIT_PREPARED ||
            k == TRANS_STMT_ROLLBACK_PREPARED)
            return zdm_error(err, m->file, m->stmts[i]->line, m->stmts[i]->column,
                             "zdm runs each migration in a transaction of its own and records it there: "
                             "remove this transaction control statement");
    }
    /* "-- zdm:requires-backfill NAME": the job must be done first */
    if (backfill_check_required(r->a, r->conn, r->o->schema, m, err) < 0) {
        if (!r->o->dry_run || err->kind != ERR_DATABASE || strstr(err->message, "requires backfill") == NULL)
            return -1;
        fprintf(r->out, "-- %s; zdm migrate would stop here\n", err->message);
        memset(err, 0, sizeof *err);
    }
    const char *sha = db_migration_sha(r->a, m);
    const Statement *why;
    bool split = runs_statement_by_statement(r, m, &why);
    Applied *row = db_history_find(&r->dh, m->name);
    /* a migration that stopped midway resumes where it stopped, even if an
     * edit took away what made it run statement by statement */
    if (row && !row->finished_at && row->last_statement > 0)
        split = true;
    if (r->o->dry_run)
        fprintf(r->out, "-- %s (%s): %s\n", m->name, phase_label(m),
                split ? arena_printf(r->a, "statement by statement, %s",
                                     why ? arena_printf(r->a, "line %d cannot run in a transaction", why->line)
                                         : "transaction:false")
                      : "one transaction");
    if (!r->o->dry_run) {
        /* pg_stat_activity names the migration a session runs (a lock it
         * holds says whose it is); application_name holds 63 bytes */
        Batch app;
        batch_init(&app, r->a);
        const char **params = arena_alloc(r->a, sizeof *params);
        params[0] = arena_printf(r->a, "zdm migrate %s", util_utf8_prefix(r->a, m->name, 48));
        batch_addp(&app, "SELECT set_config('application_name', $1, false)", -1, 1, params);
        Failure f;
        if (batch_run(r, m, &app, &f, err) < 0)
            return -1;
    }
    double t0 = util_now_ms();
    int rc = split ? run_statement_by_statement(r, m, sha, row, err) : run_in_transaction(r, m, sha, err);
    if (rc < 0)
        return -1;
    if (!r->o->dry_run) {
        fprintf(r->out, "applied %s (%s, %s) in %.0f ms\n", m->name, phase_label(m),
                split ? "statement by statement" : "one transaction", util_now_ms() - t0);
        fflush(r->out);
    }
    return 0;
}

/* ---- choosing what to run ------------------------------------------------------ */

static int check_edited(Runner *r, const History *h, ZdmError *err)
{
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        Applied *ap = db_history_find(&r->dh, m->name);
        if (!ap || !ap->sha256)
            continue;
        const char *sha = db_migration_sha(r->a, m);
        if (strcmp(sha, ap->sha256) == 0)
            continue;
        if (r->o->allow_edited) {
            fprintf(stderr, "zdm: warning: %s changed since it was applied (--allow-edited)\n", m->file);
            continue;
        }
        return zdm_error(err, m->file, 0, 0,
                         "changed since it was %s (sha-256 %.12s then, %.12s now); a migration that ran "
                         "must not change: revert the edit and write a new migration, or pass --allow-edited",
                         ap->finished_at ? "applied" : "started", ap->sha256, sha);
    }
    return 0;
}

/* Records the migrations another tool applied, so zdm's table is the truth
 * from now on. */
static int record_baseline(Runner *r, const History *h, ZdmError *err)
{
    if (!r->dh.foreign || r->dh.foreign_names.len == 0 || r->dh.applied.len)
        return 0;
    Batch b;
    batch_init(&b, r->a);
    batch_add(&b, "BEGIN", -1);
    for (int i = 0; i < h->n; i++) {
        const Migration *m = h->items[i];
        if (!db_history_applied(&r->dh, m))
            continue;
        const char **params = arena_alloc(r->a, 2 * sizeof *params);
        params[0] = m->name;
        params[1] = db_migration_sha(r->a, m);
        batch_addp(&b, arena_printf(r->a,
            "INSERT INTO %s (name, sha256, phase, started_at, finished_at, duration_ms, last_statement, statements)"
            " VALUES ($1, $2, 'baseline', now(), now(), 0, %d, %d) ON CONFLICT (name) DO NOTHING",
            r->dh.table, m->nstmts, m->nstmts), -1, 2, params);
    }
    batch_add(&b, "COMMIT", -1);
    if (r->o->dry_run) {
        fprintf(r->out, "-- %d migrations applied by %s, recorded as a baseline\n",
                r->dh.foreign_names.len, r->dh.foreign);
        dry_print(r, &b);
        return 0;
    }
    Failure f;
    if (batch_run(r, h->items[0], &b, &f, err) < 0)
        return -1;
    fprintf(stderr, "zdm: %d migration%s applied by %s recorded in %s as a baseline\n",
            r->dh.foreign_names.len, r->dh.foreign_names.len == 1 ? "" : "s", r->dh.foreign, r->dh.table);
    return 0;
}

/* An unacknowledged error finding in the plan stops a phased run. */
int db_gate_findings(const List *run, RunPhase phase)
{
    int n = 0;
    for (int i = 0; i < run->len; i++) {
        const Migration *m = LIST_GET(run, i);
        for (int j = 0; j < m->findings.len; j++) {
            const Finding *f = LIST_GET(&m->findings, j);
            if (f->severity != SEV_ERROR || f->acknowledged)
                continue;
            fprintf(stderr, "%s:%d:%d: error[%s] %s\n", f->file, f->line, f->column, f->rule->id,
                    f->message);
            n++;
        }
    }
    if (n)
        fprintf(stderr, "zdm: refusing to run --phase %s: %d error finding%s (see `zdm plan`); fix the "
                        "migration, or acknowledge each with \"-- zdm:allow <rule> <reason>\"\n",
                phase == RUN_BEFORE ? "before-deploy" : "after-deploy", n, n == 1 ? "" : "s");
    return n;
}

int db_migrate(Arena *a, History *h, const RunOptions *o, FILE *out, ZdmError *err)
{
    if (h->explicit_files)
        return zdm_error(err, NULL, 0, 0, "zdm migrate needs a migrations directory, not single files");
    if (db_is_django(h) && !o->scratch) /* Django applies its own migrations: django_run.c */
        return db_django_migrate(a, h, o, out, err);
    Runner r = {.a = a, .o = o, .out = out};
    r.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    r.conn = db_connect(a, o->url, err);
    if (!r.conn)
        return -1;
    r.pg_version = db_pg_version(r.conn);
    if (!o->dry_run && db_require_session(a, r.conn, o->url, "migrate", err) < 0) {
        PQfinish(r.conn);
        return -1;
    }
    DbInterrupt intr;
    db_interrupt_begin(&intr, r.conn, 0, NULL);
    int rc = -1;
    if (!o->dry_run && db_take_run_lock(a, r.conn, o, &db_signals, err) < 0)
        goto done;
    if (db_history_read(a, r.conn, o->schema, h, &r.dh, err) < 0)
        goto done;
    if (check_edited(&r, h, err) < 0)
        goto done;
    if (!o->dry_run && db_history_create(a, r.conn, &r.dh, err) < 0)
        goto done;
    if (record_baseline(&r, h, err) < 0)
        goto done;
    for (int i = 0; i < h->n; i++)
        h->items[i]->phase = db_history_applied(&r.dh, h->items[i]) ? PHASE_DEPLOYED : PHASE_NONE;
    Plan plan = {0};
    AnalysisOptions aopt = {.pg_version = r.pg_version};
    /* the zone each migration's session starts in decides what timestamp <-> timestamptz costs */
    if (db_timezone_is_utc(r.conn, &aopt.server_tz_utc, err) < 0 || analysis_run(a, h, &aopt, &plan, err) < 0)
        goto done;

    List run = {0};
    const Migration *stop = NULL;
    int left = 0;
    for (int i = 0; i < h->n; i++) {
        Migration *m = h->items[i];
        if (m->phase == PHASE_DEPLOYED)
            continue;
        if (stop) {
            left++;
            continue;
        }
        if (o->phase == RUN_BEFORE && m->phase != PHASE_BEFORE) {
            stop = m;
            left++;
            continue;
        }
        if (o->phase == RUN_AFTER && m->phase == PHASE_BEFORE)
            fprintf(stderr, "zdm: warning: %s was planned before the deploy and has not run; running it now\n",
                    m->name);
        list_push(a, &run, m);
    }
    /* the plan as a whole: an error in a migration this phase does not reach
     * (one that needs two releases, say) still means the deploy is unsafe */
    List pending = {0};
    for (int i = 0; i < h->n; i++)
        if (h->items[i]->phase != PHASE_DEPLOYED)
            list_push(a, &pending, h->items[i]);
    if (o->phase != RUN_ALL && db_gate_findings(&pending, o->phase) > 0) {
        rc = 1;
        goto done;
    }
    if (run.len == 0)
        fprintf(stderr, "zdm: nothing to apply%s\n", o->phase == RUN_BEFORE && stop ? " before the deploy" : "");
    for (int i = 0; i < run.len; i++)
        if (run_migration(&r, LIST_GET(&run, i), err) < 0)
            goto done;
    if (stop)
        fprintf(stderr, "zdm: stopped before %s: the plan puts it %s; %d migration%s left for --phase after-deploy\n",
                stop->name, stop->phase == PHASE_TWO_RELEASES ? "in a second release" : "after the deploy",
                left, left == 1 ? "" : "s");
    rc = 0;
done:
    /* the cancel stops whichever statement runs, the runner's own history
     * queries too: then it was the signal, not that statement, that failed */
    if (rc < 0 && db_signals && strncmp(err->message, "interrupted", 11) != 0)
        interrupted_error(err, "by a signal");
    db_interrupt_end(&intr);
    PQfinish(r.conn);
    return rc;
}
