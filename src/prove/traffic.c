/*
 * traffic.c — the rehearsal's clients and lock monitor (traffic.h).
 *
 * Each query starts with a comment naming its code version
 * ("/+ old code +/" in C-comment form), so that pg_stat_activity, and hence
 * the monitor's report of who waited for whom, says whose query it was.
 * Clients keep their statistics per step in memory of their own (malloc,
 * not the run's arena, which is not thread-safe); traffic_stop merges them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db/pq.h"

#include "../db/db.h"
#include "rehearse.h"
#include "traffic.h"

/* ---- what each version sends ------------------------------------------------------ */

static int find_sample(const Traffic *t, const char *name)
{
    for (int i = 0; i < t->nsamples; i++)
        if (strcmp(t->samples[i].name, name) == 0)
            return i;
    return -1;
}

static const Constraint *primary_key(const Table *tb)
{
    for (int i = 0; i < tb->constraints.len; i++) {
        const Constraint *k = LIST_GET(&tb->constraints, i);
        if (k->type == CON_PRIMARY)
            return k;
    }
    return NULL;
}

static bool in_list(const List *l, const char *s)
{
    for (int i = 0; l && i < l->len; i++)
        if (strcmp(LIST_GET(l, i), s) == 0)
            return true;
    return false;
}

static void build_table(Arena *a, Traffic *t, const CodeVersion *v, const Catalog *other, const Table *tb,
                        TrafficTable *tt)
{
    /* as an ORM names it: unqualified in public */
    const char *self = strcmp(tb->schema, "public") == 0
                           ? db_quote_ident(a, tb->name)
                           : arena_printf(a, "%s.%s", db_quote_ident(a, tb->schema), db_quote_ident(a, tb->name));
    const char *tag = arena_printf(a, "/* %s */ ", v->label);
    tt->display = catalog_display_name(a, tb->schema, tb->name);
    tt->sample = find_sample(t, arena_printf(a, "%s.%s", tb->schema, tb->name));
    const Constraint *pk = primary_key(tb);
    const List *key = pk ? &pk->columns : NULL;
    tt->nkey = key ? key->len : 0;
    StrBuf cols, where;
    sb_init(&cols, a);
    sb_init(&where, a);
    for (int i = 0; i < tb->columns.len; i++) {
        const Column *c = LIST_GET(&tb->columns, i);
        sb_printf(&cols, "%s%s", i ? ", " : "", db_quote_ident(a, c->name));
    }
    for (int i = 0; i < tt->nkey; i++)
        sb_printf(&where, "%s%s = $%d", i ? " AND " : "", db_quote_ident(a, LIST_GET(key, i)), i + 1);
    if (tt->nkey) {
        tt->select_key = arena_printf(a, "%sSELECT %s FROM %s WHERE %s", tag, cols.data, self, where.data);
        tt->update_where = arena_printf(a, " WHERE %s", where.data);
        tt->delete_sql = arena_printf(a, "%sDELETE FROM %s WHERE %s", tag, self, where.data);
    } else {
        tt->select_some = arena_printf(a, "%sSELECT %s FROM %s LIMIT 10", tag, cols.data, self);
    }
    if (tt->nkey == 1) {
        const char *k = db_quote_ident(a, LIST_GET(key, 0));
        tt->select_range = arena_printf(a, "%sSELECT %s FROM %s WHERE %s >= $1 ORDER BY %s LIMIT 10", tag,
                                        cols.data, self, k, k);
    }
    /* INSERT: every column the code knows but those the database fills */
    tt->ins = arena_alloc(a, sizeof(TrafficCol) * (size_t)(tb->columns.len + 1));
    tt->upd = arena_alloc(a, sizeof(TrafficCol) * (size_t)(tb->columns.len + 1));
    tt->can_insert = true;
    StrBuf ins;
    sb_init(&ins, a);
    for (int i = 0; i < tb->columns.len; i++) {
        const Column *c = LIST_GET(&tb->columns, i);
        bool is_key = in_list(key, c->name);
        if (c->generated || c->identity || c->serial || (is_key && c->default_expr))
            continue;
        TrafficCol tc = {.name = db_quote_ident(a, c->name), .col = c, .fk_sample = -1};
        tc.unique = datagen_is_unique(v->model, tb, c->name);
        const Constraint *fk = datagen_fk_of(tb, c->name, other);
        if (fk && fk->ref_table) {
            const Table *parent = catalog_find_qualified(v->model, fk->ref_table);
            if (!parent)
                parent = catalog_find_qualified(other, fk->ref_table);
            const Constraint *ppk = parent ? primary_key(parent) : NULL;
            int s = parent ? find_sample(t, fk->ref_table) : -1;
            if (ppk && s >= 0 && ppk->columns.len == fk->columns.len) {
                tc.fk_sample = s;
                for (int k = 0; k < fk->columns.len; k++)
                    if (strcmp(LIST_GET(&fk->columns, k), c->name) == 0)
                        tc.fk_pos = k;
                tc.unique = false;
            } else if (c->not_null) {
                tt->can_insert = false;
            } else {
                continue;
            }
        }
        sb_printf(&ins, "%s%s", tt->nins ? ", " : "", tc.name);
        tt->ins[tt->nins++] = tc;
        if (!is_key && !tc.unique)
            tt->upd[tt->nupd++] = tc;
    }
    tt->insert_head = tt->nins ? arena_printf(a, "%sINSERT INTO %s (%s) VALUES (", tag, self, ins.data)
                               : arena_printf(a, "%sINSERT INTO %s DEFAULT VALUES", tag, self);
    StrBuf ret;
    sb_init(&ret, a);
    for (int i = 0; i < tt->nkey; i++)
        sb_printf(&ret, "%s%s", i ? ", " : " RETURNING ", db_quote_ident(a, LIST_GET(key, i)));
    tt->insert_tail = arena_printf(a, "%s%s", tt->nins ? ")" : "", ret.data);
    if (tt->nkey && tt->nupd)
        tt->update_head = arena_printf(a, "%sUPDATE %s SET ", tag, self);
}

void traffic_build_version(Arena *a, Traffic *t, CodeVersion *v, const Catalog *other)
{
    int n = 0;
    v->tables = arena_alloc(a, sizeof(TrafficTable) * (size_t)(v->model->tables.len + 1));
    for (int i = 0; i < v->model->tables.len; i++) {
        const Table *tb = LIST_GET(&v->model->tables, i);
        if (datagen_skip_table(tb))
            continue;
        build_table(a, t, v, other, tb, &v->tables[n++]);
    }
    v->ntables = n;
}

/* ---- a client ------------------------------------------------------------------------ */

typedef struct OwnKeys {
    char **vals; /* n * nkey */
    int n, cap, nkey;
} OwnKeys;

struct Client {
    Traffic *t;
    int id;
    PGconn *conn;
    unsigned seed;
    StepStats *steps;
    OwnKeys *own; /* per key sample */
    pthread_t thread;
    bool started;
    char *sql;    /* the query being built */
    size_t sql_cap;
};

static void sleep_ms(double ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (double)(long)(ms / 1000) * 1000) * 1e6)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static unsigned rnd(Client *c)
{
    return (unsigned)rand_r(&c->seed);
}

/* Appends to the client's query buffer. */
static void put(Client *c, const char *s)
{
    size_t have = c->sql ? strlen(c->sql) : 0, n = strlen(s);
    if (have + n + 1 > c->sql_cap) {
        c->sql_cap = (have + n + 1) * 2;
        c->sql = realloc(c->sql, c->sql_cap);
        if (!c->sql)
            abort();
        c->sql[have] = '\0';
    }
    memcpy(c->sql + have, s, n + 1);
}

static void record_latency(StepStats *s, double ms)
{
    if (s->nlat == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->lat = realloc(s->lat, s->cap * sizeof *s->lat);
        if (!s->lat)
            abort();
    }
    s->lat[s->nlat++] = ms;
}

static char *dup_line(const char *s, size_t max)
{
    size_t n = strcspn(s, "\n");
    if (n > max)
        n = max;
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* A query with its parameters shown after it, for the report. */
static char *shown_query(const char *sql, int nparams, const char *const *params)
{
    char buf[600];
    size_t k = (size_t)snprintf(buf, sizeof buf, "%s", sql);
    for (int i = 0; i < nparams && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s$%d = '%s'", i ? ", " : "  -- ", i + 1, params[i]);
    /* a captured statement may span lines: one line in the report */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    return dup_line(buf, 400);
}

static void record_failure(StepStats *s, const char *version, const char *state, const char *msg,
                           const char *sql, int nparams, const char *const *params)
{
    s->failed++;
    size_t cut = strcspn(sql, "(=");
    for (int i = 0; i < s->nfails; i++) {
        FailSample *f = &s->fails[i];
        if (f->version == version && strcmp(f->sqlstate, state) == 0 && strncmp(f->query, sql, cut) == 0) {
            f->count++;
            return;
        }
    }
    if (s->nfails == TRAFFIC_FAIL_SAMPLES) {
        s->fails_dropped++;
        return;
    }
    FailSample *f = &s->fails[s->nfails++];
    snprintf(f->sqlstate, sizeof f->sqlstate, "%s", state);
    f->version = version;
    f->message = dup_line(msg, 300);
    f->query = shown_query(sql, nparams, params);
    f->count = 1;
}

static void own_push(OwnKeys *o, int nkey, const PGresult *r)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->vals = realloc(o->vals, (size_t)o->cap * (size_t)nkey * sizeof(char *));
        if (!o->vals)
            abort();
    }
    for (int k = 0; k < nkey; k++)
        o->vals[o->n * nkey + k] = dup_line(PQgetvalue(r, 0, k), 200);
    o->nkey = nkey;
    o->n++;
}

/* A key to read or write: one of the client's own rows (kept when pop is
 * false), else one of the sample. NULL when there is none. */
static const char **pick_key(Client *c, const TrafficTable *tt, bool own_only, bool pop, char **popped)
{
    if (tt->sample < 0)
        return NULL;
    OwnKeys *o = &c->own[tt->sample];
    const KeySample *ks = &c->t->samples[tt->sample];
    if (ks->nkey != tt->nkey)
        return NULL;
    bool use_own = o->n > 0 && (own_only || ks->n == 0 || rnd(c) % 4 == 0);
    if (use_own) {
        int i = (int)(rnd(c) % (unsigned)o->n);
        const char **key = (const char **)&o->vals[i * tt->nkey];
        if (!pop)
            return key;
        /* move row i to the end and drop it; the caller frees the strings */
        for (int k = 0; k < tt->nkey; k++) {
            char *tmp = o->vals[i * tt->nkey + k];
            o->vals[i * tt->nkey + k] = o->vals[(o->n - 1) * tt->nkey + k];
            o->vals[(o->n - 1) * tt->nkey + k] = tmp;
            popped[k] = tmp;
        }
        o->n--;
        return (const char **)popped;
    }
    if (own_only || ks->n == 0)
        return NULL;
    return &ks->vals[(int)(rnd(c) % (unsigned)ks->n) * ks->nkey];
}

/* The literal a client writes into column tc. */
static void put_value(Client *c, const CodeVersion *v, const TrafficCol *tc)
{
    char buf[128];
    if (tc->fk_sample >= 0) {
        const KeySample *ks = &c->t->samples[tc->fk_sample];
        if (ks->n == 0) {
            put(c, "NULL");
            return;
        }
        const char *val = ks->vals[(int)(rnd(c) % (unsigned)ks->n) * ks->nkey + tc->fk_pos];
        put(c, "'");
        for (const char *p = val; *p; p++) {
            char ch[3] = {*p, 0, 0};
            if (*p == '\'')
                ch[1] = '\'';
            put(c, ch);
        }
        put(c, "'");
        return;
    }
    unsigned long n = tc->unique ? atomic_fetch_add(&c->t->counter, 1) : rnd(c);
    const char *lit = datagen_literal(buf, sizeof buf, v->model, tc->col, n);
    put(c, lit ? lit : "NULL");
}

enum { Q_SELECT_KEY, Q_SELECT_RANGE, Q_INSERT, Q_UPDATE, Q_DELETE };

/* Builds one query of version v into c->sql; its parameters into params.
 * Returns the number of parameters, or -1 when there is nothing to send. */
static int build_query(Client *c, const CodeVersion *v, const char **params, char **popped, bool *is_insert,
                       bool *is_delete, const TrafficTable **table)
{
    if (c->sql)
        c->sql[0] = '\0';
    *is_insert = *is_delete = false;
    if (v->ncaptured) {
        put(c, v->captured[rnd(c) % (unsigned)v->ncaptured]);
        return 0;
    }
    if (v->ntables == 0)
        return -1;
    const TrafficTable *tt = &v->tables[rnd(c) % (unsigned)v->ntables];
    *table = tt;
    unsigned w = rnd(c) % 100;
    int kind = w < 35 ? Q_SELECT_KEY : w < 50 ? Q_SELECT_RANGE : w < 70 ? Q_INSERT : w < 90 ? Q_UPDATE : Q_DELETE;
    if (!tt->nkey)
        kind = kind == Q_INSERT && tt->can_insert ? Q_INSERT : Q_SELECT_KEY;
    if (kind == Q_INSERT && !tt->can_insert)
        kind = Q_SELECT_KEY;
    if (kind == Q_UPDATE && !tt->update_head)
        kind = Q_SELECT_KEY;
    if (kind == Q_SELECT_RANGE && !tt->select_range)
        kind = Q_SELECT_KEY;
    const char **key = NULL;
    if (kind == Q_DELETE) {
        key = pick_key(c, tt, true, true, popped);
        if (!key)
            kind = Q_SELECT_KEY;
        else {
            *is_delete = true;
            put(c, tt->delete_sql);
        }
    }
    if (kind == Q_SELECT_KEY || kind == Q_SELECT_RANGE || kind == Q_UPDATE) {
        if (!tt->nkey) {
            put(c, tt->select_some);
            return 0;
        }
        key = pick_key(c, tt, false, false, NULL);
        if (!key) {
            if (!tt->can_insert)
                return -1;
            kind = Q_INSERT;
        }
    }
    if (kind == Q_SELECT_KEY)
        put(c, tt->select_key);
    else if (kind == Q_SELECT_RANGE)
        put(c, tt->select_range);
    else if (kind == Q_UPDATE) {
        put(c, tt->update_head);
        for (int i = 0; i < tt->nupd; i++) {
            put(c, i ? ", " : "");
            put(c, tt->upd[i].name);
            put(c, " = ");
            put_value(c, v, &tt->upd[i]);
        }
        put(c, tt->update_where);
    } else if (kind == Q_INSERT) {
        *is_insert = true;
        put(c, tt->insert_head);
        for (int i = 0; i < tt->nins; i++) {
            put(c, i ? ", " : "");
            put_value(c, v, &tt->ins[i]);
        }
        put(c, tt->insert_tail);
        return 0;
    }
    int np = kind == Q_SELECT_RANGE ? 1 : tt->nkey;
    for (int i = 0; i < np; i++)
        params[i] = key[i];
    return np;
}

static void *client_main(void *arg)
{
    Client *c = arg;
    Traffic *t = c->t;
    double interval = 1000.0 / (double)t->rate;
    double next = util_now_ms() + interval * (double)(rnd(c) % 1000) / 1000.0; /* spread the clients' phases */
    const char *params[64];
    char *popped[64];
    while (!atomic_load(&t->stop)) {
        double now = util_now_ms();
        if (next > now)
            sleep_ms(next - now);
        next += interval;
        if (next < util_now_ms() - interval) /* after a stall, no burst to catch up */
            next = util_now_ms();
        if (atomic_load(&t->stop))
            break;
        int step = atomic_load(&t->step);
        StepStats *s = &c->steps[step];
        const CodeVersion *v = &t->versions[(int)(rnd(c) % 1000) < atomic_load(&t->share_new) ? 1 : 0];
        bool is_insert, is_delete;
        const TrafficTable *tt = NULL;
        int np = build_query(c, v, params, popped, &is_insert, &is_delete, &tt);
        if (np < 0) {
            sleep_ms(interval);
            continue;
        }
        if (PQstatus(c->conn) != CONNECTION_OK)
            PQreset(c->conn);
        double t0 = util_now_ms();
        PGresult *r = np ? PQexecParams(c->conn, c->sql, np, NULL, params, NULL, NULL, 0) : PQexec(c->conn, c->sql);
        double ms = util_now_ms() - t0;
        s->sent++;
        record_latency(s, ms);
        if (ms > (double)t->max_stall_ms)
            s->stalled++;
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            if (!msg || !*msg)
                msg = PQerrorMessage(c->conn);
            record_failure(s, v->label, state ? state : "08006", msg, c->sql, np, params);
        } else if (is_insert && tt && tt->nkey && tt->sample >= 0 && PQntuples(r) == 1) {
            own_push(&c->own[tt->sample], tt->nkey, r);
        }
        if (is_delete)
            for (int k = 0; tt && k < tt->nkey; k++)
                free(popped[k]);
        PQclear(r);
    }
    return NULL;
}

/* ---- the monitor ------------------------------------------------------------------------- */

static const char monitor_sql[] =
    "SELECT extract(epoch FROM clock_timestamp() - w.query_start) * 1000,"
    "  left(regexp_replace(w.query, '\\s+', ' ', 'g'), 150),"
    "  b.pid, b.application_name, left(regexp_replace(b.query, '\\s+', ' ', 'g'), 150), b.state"
    " FROM pg_stat_activity w"
    " CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)"
    " JOIN pg_stat_activity b ON b.pid = bp.pid"
    " WHERE w.datname = current_database() AND w.wait_event_type = 'Lock' AND w.pid <> pg_backend_pid()"
    " ORDER BY 1 DESC LIMIT 1";

static void *monitor_main(void *arg)
{
    Traffic *t = arg;
    PGconn *conn = t->monitor_conn;
    PQclear(PQexec(conn, "SET application_name = 'zdm rehearse monitor'"));
    while (!atomic_load(&t->stop)) {
        int step = atomic_load(&t->step);
        PGresult *r = PQexec(conn, monitor_sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            double ms = atof(PQgetvalue(r, 0, 0));
            StepStats *s = &t->monitor[step];
            if (ms > s->wait_ms) {
                s->wait_ms = ms;
                snprintf(s->waiter, sizeof s->waiter, "%s", PQgetvalue(r, 0, 1));
                const char *app = PQgetvalue(r, 0, 3);
                snprintf(s->holder, sizeof s->holder, "pid %s%s%s%s (%s): %s", PQgetvalue(r, 0, 2),
                         *app ? ", " : "", app, strcmp(app, "zdm") == 0 ? " migrate" : "", PQgetvalue(r, 0, 5),
                         PQgetvalue(r, 0, 4));
            }
        }
        PQclear(r);
        sleep_ms(50);
    }
    PQfinish(conn);
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------ */

int traffic_start(Traffic *t, ZdmError *err)
{
    /* connections come from src/db (db_connect), opened here on the calling
     * thread: the arena it may write an error into is not the threads' */
    Arena *a = arena_new();
    atomic_store(&t->stop, false);
    t->clients = calloc((size_t)t->nclients, sizeof(Client));
    t->monitor = calloc((size_t)t->nsteps, sizeof(StepStats));
    if (!t->clients || !t->monitor)
        abort();
    for (int i = 0; i < t->nclients; i++) {
        Client *c = &t->clients[i];
        c->t = t;
        c->id = i;
        c->seed = t->seed * 7919u + (unsigned)i * 104729u + 1;
        c->steps = calloc((size_t)t->nsteps, sizeof(StepStats));
        c->own = calloc((size_t)(t->nsamples ? t->nsamples : 1), sizeof(OwnKeys));
        if (!c->steps || !c->own)
            abort();
        c->conn = db_connect(a, t->url, err);
        if (!c->conn) {
            arena_free(a);
            return -1;
        }
        char set[128];
        snprintf(set, sizeof set, "SET application_name = 'zdm rehearse client %d'", i + 1);
        PQclear(PQexec(c->conn, set));
        /* a client gives up as an application would, rather than hang the rehearsal */
        PQclear(PQexec(c->conn, "SET statement_timeout = '30s'"));
    }
    for (int i = 0; i < t->nclients; i++) {
        if (pthread_create(&t->clients[i].thread, NULL, client_main, &t->clients[i]) != 0) {
            zdm_error(err, NULL, 0, 0, "cannot start client thread %d", i + 1);
            return -1;
        }
        t->clients[i].started = true;
    }
    ZdmError ignore = {0}; /* no monitor: the report only lacks its lock waits */
    t->monitor_conn = db_connect(a, t->url, &ignore);
    arena_free(a);
    if (t->monitor_conn && pthread_create(&t->monitor_thread, NULL, monitor_main, t) == 0)
        t->monitor_started = true;
    else if (t->monitor_conn) {
        PQfinish(t->monitor_conn);
        t->monitor_conn = NULL;
    }
    return 0;
}

static int double_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

void traffic_stop(Arena *a, Traffic *t, StepStats *out)
{
    atomic_store(&t->stop, true);
    for (int i = 0; t->clients && i < t->nclients; i++)
        if (t->clients[i].started)
            pthread_join(t->clients[i].thread, NULL);
    if (t->monitor_started)
        pthread_join(t->monitor_thread, NULL);
    memset(out, 0, sizeof(StepStats) * (size_t)t->nsteps);
    for (int k = 0; k < t->nsteps; k++) {
        StepStats *o = &out[k];
        size_t total = 0;
        for (int i = 0; t->clients && i < t->nclients; i++)
            total += t->clients[i].steps ? t->clients[i].steps[k].nlat : 0;
        o->lat = arena_alloc(a, sizeof(double) * (total ? total : 1));
        for (int i = 0; t->clients && i < t->nclients; i++) {
            StepStats *s = t->clients[i].steps ? &t->clients[i].steps[k] : NULL;
            if (!s)
                continue;
            o->sent += s->sent;
            o->failed += s->failed;
            o->stalled += s->stalled;
            if (s->nlat)
                memcpy(o->lat + o->nlat, s->lat, s->nlat * sizeof(double));
            o->nlat += s->nlat;
            for (int f = 0; f < s->nfails; f++) {
                FailSample *src = &s->fails[f];
                int j = 0;
                for (; j < o->nfails; j++)
                    if (o->fails[j].version == src->version && strcmp(o->fails[j].sqlstate, src->sqlstate) == 0 &&
                        strncmp(o->fails[j].query, src->query, strcspn(src->query, "(=")) == 0)
                        break;
                if (j < o->nfails) {
                    o->fails[j].count += src->count;
                } else if (o->nfails < TRAFFIC_FAIL_SAMPLES) {
                    FailSample *d = &o->fails[o->nfails++];
                    *d = *src;
                    d->message = arena_strdup(a, src->message);
                    d->query = arena_strdup(a, src->query);
                } else {
                    o->fails_dropped += src->count;
                }
            }
            o->fails_dropped += s->fails_dropped;
        }
        qsort(o->lat, o->nlat, sizeof(double), double_cmp);
        if (t->monitor) {
            o->wait_ms = t->monitor[k].wait_ms;
            memcpy(o->waiter, t->monitor[k].waiter, sizeof o->waiter);
            memcpy(o->holder, t->monitor[k].holder, sizeof o->holder);
        }
    }
    for (int i = 0; t->clients && i < t->nclients; i++) {
        Client *c = &t->clients[i];
        for (int k = 0; c->steps && k < t->nsteps; k++) {
            free(c->steps[k].lat);
            for (int f = 0; f < c->steps[k].nfails; f++) {
                free(c->steps[k].fails[f].message);
                free(c->steps[k].fails[f].query);
            }
        }
        for (int s = 0; c->own && s < t->nsamples; s++) {
            for (int v = 0; v < c->own[s].n * c->own[s].nkey; v++)
                free(c->own[s].vals[v]);
            free(c->own[s].vals);
        }
        free(c->steps);
        free(c->own);
        free(c->sql);
        PQfinish(c->conn);
    }
    free(t->clients);
    free(t->monitor);
    t->clients = NULL;
    t->monitor = NULL;
}
