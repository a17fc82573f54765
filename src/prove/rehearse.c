/*
 * rehearse.c — `zdm rehearse`: the deploy, replayed under traffic.
 *
 *  1. A fresh database is migrated to the deployed point and filled with
 *     --rows rows per table (datagen.c).
 *  2. --clients connections send the old code's queries (traffic.c).
 *  3. The steps: each migration the plan puts before the deploy, applied as
 *     zdm migrate applies it; the rolling deploy, moving the traffic from old
 *     to new code in --deploy-steps steps; the backfills the after-deploy
 *     migrations require; each after-deploy migration.
 *  4. The report: per step, queries sent, failed (SQLSTATE, message, query),
 *     stalled, p50/p99/max latency, the longest lock wait and who held it.
 *
 * Where the runner's --phase before-deploy stops at the first migration not
 * planned before the deploy, so does the rehearsal; a migration the plan
 * says needs two releases is rehearsed before the deploy, as a single
 * release would run it (migrate, then deploy), so that the report shows what
 * breaks. The code versions' models are the catalogs the planner computes
 * with: the replay at the deployed point (old code) and after the last
 * pending migration (new code).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../analysis/analysis.h"
#include "../catalog/replay.h"
#include "../db/db.h"
#include "../report/report.h"
#include "prove.h"
#include "rehearse.h"
#include "traffic.h"

typedef enum StepKind { STEP_BASE, STEP_BEFORE, STEP_DEPLOY, STEP_BACKFILL, STEP_AFTER } StepKind;

typedef struct Step {
    StepKind kind;
    const char *label;
    int migration;      /* STEP_BEFORE, STEP_AFTER */
    const char *job;    /* STEP_BACKFILL */
    int share_new;      /* per mille */
    double action_ms;
    const char *error;  /* the migration or backfill failed */
    bool ran;
} Step;

int rehearse_read_queries(Arena *a, const char *path, List *out, ZdmError *err)
{
    size_t len;
    char *text = util_read_file(a, path, &len, err);
    if (!text)
        return -1;
    StrBuf cur;
    sb_init(&cur, a);
    int line = 0, start = 0;
    for (char *p = text; *p;) {
        char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        line++;
        char *l = arena_strndup(a, p, n);
        p = e ? e + 1 : p + n;
        char *t = l;
        while (*t == ' ' || *t == '\t')
            t++;
        if (cur.len == 0 && (*t == '\0' || strncmp(t, "--", 2) == 0))
            continue;
        if (cur.len == 0)
            start = line;
        sb_printf(&cur, "%s%s", cur.len ? "\n" : "", l);
        size_t k = strlen(l);
        while (k && (l[k - 1] == ' ' || l[k - 1] == '\t' || l[k - 1] == '\r'))
            k--;
        if (k && l[k - 1] == ';') {
            list_push(a, out, arena_strndup(a, cur.data, cur.len));
            sb_init(&cur, a);
        }
    }
    if (cur.len)
        return zdm_error(err, path, start, 1, "this query does not end with ';' at the end of a line");
    if (out->len == 0)
        return zdm_error(err, path, 0, 0, "no queries in this file (one per statement, each ending with ';')");
    return 0;
}

/* Which migrations are deployed: the index of the last one, -1 for none. */
static int decide_deployed(Arena *a, History *h, const RehearseOptions *o, const char **said, ZdmError *err)
{
    int k;
    if (o->deployed) {
        k = prove_find(h, o->deployed, "--deployed", err);
        if (k < 0)
            return -2;
        *said = arena_printf(a, "after %s (--deployed)", h->items[k]->name);
    } else if (o->since) {
        if (source_deployed_since(a, h, o->since, err) < 0)
            return -2;
        k = -1;
        while (k + 1 < h->n && h->items[k + 1]->phase == PHASE_DEPLOYED)
            k++;
        for (int i = k + 1; i < h->n; i++)
            if (h->items[i]->phase == PHASE_DEPLOYED) {
                zdm_error(err, NULL, 0, 0,
                          "--since %s: %s is pending but %s, after it, exists at that revision: the rehearsal "
                          "needs the deployed migrations to come first", o->since, h->items[k + 1]->name,
                          h->items[i]->name);
                return -2;
            }
        *said = arena_printf(a, "not in git revision %s (--since)", o->since);
    } else {
        k = h->n - 2;
        *said = arena_printf(a, "assuming only the newest, %s, is pending (say what is live with --deployed "
                                "NAME or --since REF)", h->items[h->n - 1]->name);
    }
    for (int i = 0; i < h->n; i++)
        h->items[i]->phase = i <= k ? PHASE_DEPLOYED : PHASE_NONE;
    return k;
}

/* The models of the old and the new code, replayed as the planner does. */
static void build_models(Arena *a, History *h, int pg_version, Catalog **old, Catalog **new)
{
    Catalog *cat = catalog_new();
    cat->strings = arena_alloc(a, sizeof *cat->strings);
    cat->strings->arena = a;
    Replay r = {.cat = cat, .arena = a, .pg_version = pg_version};
    ZdmError ignore;
    int i = 0;
    for (; i < h->n && h->items[i]->phase == PHASE_DEPLOYED; i++) {
        r.migration = i;
        for (int s = 0; s < h->items[i]->nstmts; s++)
            replay_statement(&r, h->items[i], h->items[i]->stmts[s], NULL, &ignore);
    }
    *old = catalog_copy(cat);
    r.baseline = *old;
    r.pending = true;
    for (; i < h->n; i++) {
        r.migration = i;
        for (int s = 0; s < h->items[i]->nstmts; s++)
            replay_statement(&r, h->items[i], h->items[i]->stmts[s], NULL, &ignore);
    }
    *new = cat;
}

static const char *fmt_ms(Arena *a, double ms)
{
    return ms >= 10000 ? arena_printf(a, "%.0fs", ms / 1000) : ms >= 100 ? arena_printf(a, "%.0f", ms)
                                                                         : arena_printf(a, "%.1f", ms);
}

/* Fills every table of the deployed schema. */
static int fill_tables(Arena *a, PGconn *conn, const RehearseOptions *o, const Catalog *hint, FILE *log,
                       ZdmError *err)
{
    Catalog *c = db_introspect(conn, err);
    if (!c)
        return -1;
    List order = {0};
    datagen_order(a, c, &order);
    int rc = 0;
    db_interrupt_target(conn);
    for (int i = 0; i < order.len && rc == 0; i++) {
        const Table *t = LIST_GET(&order, i);
        const char *why = NULL;
        const char *sql = datagen_insert_sql(a, c, t, o->rows, hint, &why);
        const char *name = catalog_display_name(a, t->schema, t->name);
        if (!sql) {
            fprintf(log, "zdm: %s left empty: %s\n", name, why);
            continue;
        }
        double t0 = util_now_ms();
        if (db_exec(conn, sql, err) < 0) {
            const char *why_not = arena_strdup(a, err->message);
            zdm_error(err, NULL, 0, 0, "filling %s: %s\n  %s", name, why_not, sql);
            err->kind = ERR_DATABASE;
            rc = -1;
            break;
        }
        fprintf(log, "zdm: %s: %ld rows in %.1f s\n", name, o->rows, (util_now_ms() - t0) / 1000);
    }
    if (rc == 0)
        rc = db_exec(conn, "ANALYZE", err);
    db_interrupt_target(NULL);
    catalog_free(c);
    return rc;
}

/* Keys of existing rows of every table either version knows. */
static int sample_keys(Arena *a, PGconn *conn, Traffic *t, const Catalog *old, const Catalog *new,
                       long rows, ZdmError *err)
{
    const Catalog *models[] = {old, new};
    StrMap seen = {0};
    t->samples = arena_alloc(a, sizeof(KeySample) * (size_t)(old->tables.len + new->tables.len + 1));
    double pct = rows > 2000 ? 100.0 * 2000.0 / (double)rows : 100.0;
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < models[m]->tables.len; i++) {
            const Table *tb = LIST_GET(&models[m]->tables, i);
            if (datagen_skip_table(tb))
                continue;
            const char *name = arena_printf(a, "%s.%s", tb->schema, tb->name);
            if (strmap_get(&seen, name))
                continue;
            strmap_put(a, &seen, name, (void *)name);
            KeySample *ks = &t->samples[t->nsamples++];
            ks->name = name;
            const Constraint *pk = NULL;
            for (int k = 0; k < tb->constraints.len; k++)
                if (((Constraint *)LIST_GET(&tb->constraints, k))->type == CON_PRIMARY)
                    pk = LIST_GET(&tb->constraints, k);
            if (!pk)
                continue;
            ks->nkey = pk->columns.len;
            const char *self = arena_printf(a, "%s.%s", db_quote_ident(a, tb->schema), db_quote_ident(a, tb->name));
            bool exists;
            if (db_relation_exists(conn, self, &exists, err) < 0)
                return -1;
            if (!exists)
                continue;
            StrBuf cols;
            sb_init(&cols, a);
            for (int k = 0; k < pk->columns.len; k++)
                sb_printf(&cols, "%s%s::text", k ? ", " : "", db_quote_ident(a, LIST_GET(&pk->columns, k)));
            PGresult *r = PQexec(conn, arena_printf(a, "SELECT %s FROM %s TABLESAMPLE BERNOULLI (%g) LIMIT 2000", cols.data,
                                          self, pct));
            if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                /* a key column the old model knows may be gone already: no sample */
                PQclear(r);
                continue;
            }
            ks->n = PQntuples(r);
            ks->vals = arena_alloc(a, sizeof(char *) * (size_t)(ks->n * ks->nkey + 1));
            for (int row = 0; row < ks->n; row++)
                for (int k = 0; k < ks->nkey; k++)
                    ks->vals[row * ks->nkey + k] = arena_strdup(a, PQgetvalue(r, row, k));
            PQclear(r);
        }
    return 0;
}

/* The steps, from the plan. */
static void plan_steps(Arena *a, const History *h, int deployed, const Phase *phases, const RehearseOptions *o,
                       List *steps)
{
    Step *s = arena_alloc(a, sizeof *s);
    s->kind = STEP_BASE;
    s->label = "old code only";
    list_push(a, steps, s);
    int i = deployed + 1;
    for (; i < h->n && (phases[i] == PHASE_BEFORE || phases[i] == PHASE_TWO_RELEASES); i++) {
        s = arena_alloc(a, sizeof *s);
        s->kind = STEP_BEFORE;
        s->migration = i;
        s->label = arena_printf(a, "before-deploy %s%s", h->items[i]->name,
                                phases[i] == PHASE_TWO_RELEASES ? " (needs two releases)" : "");
        list_push(a, steps, s);
    }
    for (int k = 1; k <= o->deploy_steps; k++) {
        s = arena_alloc(a, sizeof *s);
        s->kind = STEP_DEPLOY;
        s->share_new = 1000 * k / o->deploy_steps;
        s->label = arena_printf(a, "deploy %d%% new code", 100 * k / o->deploy_steps);
        list_push(a, steps, s);
    }
    StrMap jobs = {0};
    for (int j = i; j < h->n; j++)
        for (int k = 0; k < h->items[j]->requires_backfill.len; k++) {
            const char *job = LIST_GET(&h->items[j]->requires_backfill, k);
            if (strmap_get(&jobs, job))
                continue;
            strmap_put(a, &jobs, job, (void *)job);
            s = arena_alloc(a, sizeof *s);
            s->kind = STEP_BACKFILL;
            s->job = job;
            s->share_new = 1000;
            s->label = arena_printf(a, "backfill %s", job);
            list_push(a, steps, s);
        }
    for (; i < h->n; i++) {
        s = arena_alloc(a, sizeof *s);
        s->kind = STEP_AFTER;
        s->migration = i;
        s->share_new = 1000;
        s->label = arena_printf(a, "after-deploy %s", h->items[i]->name);
        list_push(a, steps, s);
    }
}

/* What the whole rehearsal comes to: the last line of the text report, the
 * "verdict" of the JSON one. */
typedef struct Verdict {
    long failed, stalled;
    double max_ms;         /* the slowest query of any step */
    int first_fail;        /* the first step with a failed query, -1 for none */
    int broken;            /* the step whose migration or backfill did not apply, -1 for none */
} Verdict;

static Verdict judge(const List *steps, const StepStats *stats)
{
    Verdict v = {.first_fail = -1, .broken = -1};
    for (int k = 0; k < steps->len; k++) {
        const Step *s = LIST_GET(steps, k);
        if (!s->ran)
            continue;
        const StepStats *st = &stats[k];
        v.failed += st->failed;
        v.stalled += st->stalled;
        double mx = st->nlat ? st->lat[st->nlat - 1] : 0;
        if (mx > v.max_ms)
            v.max_ms = mx;
        if (st->nfails && v.first_fail < 0)
            v.first_fail = k;
        if (s->error && v.broken < 0)
            v.broken = k;
    }
    return v;
}

static bool passed(const Verdict *v) { return !v->failed && !v->stalled && v->broken < 0; }

static void print_report(Arena *a, const List *steps, const StepStats *stats, const Verdict *v, long max_stall_ms,
                         FILE *out)
{
    int w = 28;
    for (int k = 0; k < steps->len; k++) {
        int n = (int)strlen(((Step *)LIST_GET(steps, k))->label);
        if (n > w)
            w = n;
    }
    fprintf(out, "\n%-*s %8s %7s %8s %8s %8s %8s %10s\n", w, "step", "queries", "failed", "stalled", "p50 ms",
            "p99 ms", "max ms", "lock wait");
    for (int k = 0; k < steps->len; k++) {
        const Step *s = LIST_GET(steps, k);
        const StepStats *st = &stats[k];
        if (!s->ran) {
            fprintf(out, "%-*s   (not run)\n", w, s->label);
            continue;
        }
        double p50 = rehearse_percentile(st->lat, st->nlat, 50), p99 = rehearse_percentile(st->lat, st->nlat, 99);
        double mx = st->nlat ? st->lat[st->nlat - 1] : 0;
        fprintf(out, "%-*s %8ld %7ld %8ld %8s %8s %8s %10s\n", w, s->label, st->sent, st->failed, st->stalled,
                fmt_ms(a, p50), fmt_ms(a, p99), fmt_ms(a, mx), st->wait_ms > 0 ? fmt_ms(a, st->wait_ms) : "-");
        if (s->kind == STEP_BEFORE || s->kind == STEP_AFTER || s->kind == STEP_BACKFILL) {
            if (s->error)
                fprintf(out, "    %s FAILED: %s\n", s->kind == STEP_BACKFILL ? "backfill" : "migration", s->error);
            else
                fprintf(out, "    %s in %s\n", s->kind == STEP_BACKFILL ? "ran" : "applied",
                        s->action_ms >= 10000 ? arena_printf(a, "%.0f s", s->action_ms / 1000)
                                              : arena_printf(a, "%s ms", fmt_ms(a, s->action_ms)));
        }
        for (int f = 0; f < st->nfails; f++) {
            const FailSample *fs = &st->fails[f];
            fprintf(out, "    %s x%ld, %s: %s\n      %s\n", fs->sqlstate, fs->count, fs->version, fs->message,
                    fs->query);
        }
        if (st->fails_dropped)
            fprintf(out, "    ... and %ld more failed queries of other kinds\n", st->fails_dropped);
        if (st->wait_ms >= 100 || (st->stalled && st->wait_ms > 0))
            fprintf(out, "    longest lock wait %s ms: %s\n      waiting for %s\n", fmt_ms(a, st->wait_ms),
                    st->waiter, st->holder);
    }
    if (!passed(v)) {
        const char *first = "";
        if (v->first_fail >= 0)
            first = arena_printf(a, " (first in %s: %s %s)", ((Step *)LIST_GET(steps, v->first_fail))->label,
                                 stats[v->first_fail].fails[0].version, stats[v->first_fail].fails[0].sqlstate);
        fprintf(out, "\nzdm: rehearsal FAILED: %ld failed quer%s%s, %ld stalled over %s%s%s\n", v->failed,
                v->failed == 1 ? "y" : "ies", first, v->stalled, db_format_duration(a, max_stall_ms),
                v->broken >= 0 ? "; " : "",
                v->broken >= 0 ? arena_printf(a, "%s did not apply", ((Step *)LIST_GET(steps, v->broken))->label)
                               : "");
    } else {
        fprintf(out, "\nzdm: rehearsal passed: 0 failed queries, none stalled over %s (max latency %s ms)\n",
                db_format_duration(a, max_stall_ms), fmt_ms(a, v->max_ms));
    }
}

static const char *const step_kinds[] = {
    [STEP_BASE] = "old-code", [STEP_BEFORE] = "before-deploy", [STEP_DEPLOY] = "deploy",
    [STEP_BACKFILL] = "backfill", [STEP_AFTER] = "after-deploy",
};

static void json_ms(ReportJson *j, const char *key, double ms, bool known)
{
    report_json_key(j, key);
    if (known)
        report_json_double(j, ms, 1);
    else
        report_json_null(j);
}

/* One step of the JSON report (docs/json.md, "zdm rehearse"). */
static void json_step(ReportJson *j, const History *h, const Step *s, const StepStats *st)
{
    report_json_open(j, '{');
    report_json_key(j, "step");
    report_json_str(j, s->label);
    report_json_key(j, "kind");
    report_json_str(j, step_kinds[s->kind]);
    const Migration *m = s->kind == STEP_BEFORE || s->kind == STEP_AFTER ? h->items[s->migration] : NULL;
    report_json_key(j, "migration");
    report_json_str(j, m ? m->name : NULL);
    report_json_key(j, "backfill");
    report_json_str(j, s->kind == STEP_BACKFILL ? s->job : NULL);
    report_json_key(j, "new_code_percent");
    report_json_double(j, s->share_new / 10.0, 1);
    report_json_key(j, "ran");
    report_json_bool(j, s->ran);
    /* the migration's or backfill's own run: applied or not, and how long */
    report_json_key(j, "action");
    if (s->kind == STEP_BEFORE || s->kind == STEP_AFTER || s->kind == STEP_BACKFILL) {
        report_json_open(j, '{');
        report_json_key(j, "status");
        report_json_str(j, !s->ran ? "not-run" : s->error ? "failed" : "applied");
        json_ms(j, "duration_ms", s->action_ms, s->ran);
        report_json_key(j, "error");
        report_json_str(j, s->error);
        report_json_close(j, '}');
    } else {
        report_json_null(j);
    }
    /* what each statement locks, as the plan (and zdm migrate) sees it */
    report_json_key(j, "statements");
    report_json_open(j, '[');
    for (int i = 0; m && i < m->nstmts; i++)
        report_json_statement(j, m->stmts[i]);
    report_json_close(j, ']');
    bool ran = s->ran && st;
    report_json_key(j, "queries");
    if (ran) {
        report_json_open(j, '{');
        report_json_key(j, "sent");
        report_json_int(j, st->sent);
        report_json_key(j, "failed");
        report_json_int(j, st->failed);
        report_json_key(j, "stalled");
        report_json_int(j, st->stalled);
        report_json_close(j, '}');
    } else {
        report_json_null(j);
    }
    report_json_key(j, "latency_ms");
    if (ran) {
        bool any = st->nlat > 0;
        report_json_open(j, '{');
        json_ms(j, "p50", rehearse_percentile(st->lat, st->nlat, 50), any);
        json_ms(j, "p99", rehearse_percentile(st->lat, st->nlat, 99), any);
        json_ms(j, "max", any ? st->lat[st->nlat - 1] : 0, any);
        report_json_close(j, '}');
    } else {
        report_json_null(j);
    }
    report_json_key(j, "failures");
    report_json_open(j, '[');
    for (int f = 0; ran && f < st->nfails; f++) {
        const FailSample *fs = &st->fails[f];
        report_json_open(j, '{');
        report_json_key(j, "sqlstate");
        report_json_str(j, fs->sqlstate);
        report_json_key(j, "count");
        report_json_int(j, fs->count);
        report_json_key(j, "code");
        report_json_str(j, fs->version);
        report_json_key(j, "message");
        report_json_str(j, fs->message);
        report_json_key(j, "query");
        report_json_str(j, fs->query);
        report_json_close(j, '}');
    }
    report_json_close(j, ']');
    report_json_key(j, "other_failures");
    report_json_int(j, ran ? st->fails_dropped : 0);
    report_json_key(j, "lock_wait");
    if (ran && st->wait_ms > 0) {
        report_json_open(j, '{');
        json_ms(j, "ms", st->wait_ms, true);
        report_json_key(j, "waiting");
        report_json_str(j, st->waiter);
        report_json_key(j, "holder");
        report_json_str(j, st->holder);
        report_json_close(j, '}');
    } else {
        report_json_null(j);
    }
    report_json_close(j, '}');
}

/* The JSON report: the settings, every step, the verdict. */
static void print_json(Arena *a, const RehearseOptions *o, const History *h, int deployed, const char *said,
                       const Plan *plan, const List *steps, const StepStats *stats, const Verdict *v,
                       long max_stall_ms, FILE *out)
{
    ReportJson j;
    report_json_init(&j, out);
    report_json_open(&j, '{');
    report_json_key(&j, "format_version");
    report_json_int(&j, 1);
    report_json_key(&j, "path");
    report_json_str(&j, o->path);
    report_json_key(&j, "deployed");
    report_json_str(&j, deployed >= 0 ? h->items[deployed]->name : NULL);
    report_json_key(&j, "pending");
    report_json_open(&j, '[');
    for (int i = deployed + 1; i < h->n; i++)
        report_json_str(&j, h->items[i]->name);
    report_json_close(&j, ']');
    int pending = h->n - 1 - deployed;
    report_json_key(&j, "assumption");
    report_json_str(&j, arena_printf(a, "%d pending migration%s %s", pending, pending == 1 ? "" : "s", said));
    report_json_key(&j, "plan_errors");
    report_json_int(&j, plan->counts[SEV_ERROR]);
    report_json_key(&j, "settings");
    report_json_open(&j, '{');
    report_json_key(&j, "rows");
    report_json_int(&j, o->rows);
    report_json_key(&j, "clients");
    report_json_int(&j, o->clients);
    report_json_key(&j, "rate");
    report_json_int(&j, o->rate);
    report_json_key(&j, "step_ms");
    report_json_int(&j, o->step_ms);
    report_json_key(&j, "deploy_steps");
    report_json_int(&j, o->deploy_steps);
    report_json_key(&j, "max_stall_ms");
    report_json_int(&j, max_stall_ms);
    report_json_key(&j, "lock_timeout_ms");
    report_json_int(&j, o->lock_timeout_ms);
    report_json_key(&j, "seed");
    report_json_int(&j, (long)o->seed);
    report_json_close(&j, '}');
    report_json_key(&j, "steps");
    report_json_open(&j, '[');
    for (int k = 0; k < steps->len; k++)
        json_step(&j, h, LIST_GET(steps, k), stats ? &stats[k] : NULL);
    report_json_close(&j, ']');
    report_json_key(&j, "verdict");
    report_json_open(&j, '{');
    report_json_key(&j, "passed");
    report_json_bool(&j, passed(v));
    report_json_key(&j, "failed_queries");
    report_json_int(&j, v->failed);
    report_json_key(&j, "stalled_queries");
    report_json_int(&j, v->stalled);
    json_ms(&j, "max_latency_ms", v->max_ms, true);
    report_json_key(&j, "first_failure");
    if (v->first_fail >= 0) {
        const FailSample *fs = &stats[v->first_fail].fails[0];
        report_json_open(&j, '{');
        report_json_key(&j, "step");
        report_json_str(&j, ((const Step *)LIST_GET(steps, v->first_fail))->label);
        report_json_key(&j, "code");
        report_json_str(&j, fs->version);
        report_json_key(&j, "sqlstate");
        report_json_str(&j, fs->sqlstate);
        report_json_close(&j, '}');
    } else {
        report_json_null(&j);
    }
    report_json_key(&j, "not_applied");
    report_json_str(&j, v->broken >= 0 ? ((const Step *)LIST_GET(steps, v->broken))->label : NULL);
    report_json_close(&j, '}');
    report_json_close(&j, '}');
}

int rehearse_run(Arena *a, const RehearseOptions *o, FILE *out, ZdmError *err)
{
    History h = {0};
    if (prove_load(a, o->path, &h, err) < 0)
        return -1;
    if (h.explicit_files)
        return zdm_error(err, NULL, 0, 0, "zdm rehearse needs a migrations directory, not single files");
    const char *said = NULL;
    int deployed = decide_deployed(a, &h, o, &said, err);
    if (deployed < -1)
        return -1;
    if (deployed == h.n - 1)
        return zdm_error(err, NULL, 0, 0, "nothing pending: %s is the newest migration", h.items[deployed]->name);
    Traffic t = {.nclients = o->clients, .rate = o->rate, .seed = o->seed};
    t.max_stall_ms = o->max_stall_ms ? o->max_stall_ms : o->lock_timeout_ms;
    t.versions[0].label = "old code";
    t.versions[1].label = "new code";
    const char *files[] = {o->old_queries, o->new_queries};
    for (int v = 0; v < 2; v++) {
        if (!files[v])
            continue;
        List q = {0};
        if (rehearse_read_queries(a, files[v], &q, err) < 0)
            return -1;
        t.versions[v].captured = (const char **)q.items;
        t.versions[v].ncaptured = q.len;
    }

    /* the plan, as zdm migrate would compute it */
    Plan plan = {0};
    AnalysisOptions aopt = {.pg_version = 15};
    if (analysis_run(a, &h, &aopt, &plan, err) < 0)
        return -1;
    Phase *phases = arena_alloc(a, sizeof(Phase) * (size_t)h.n);
    for (int i = 0; i < h.n; i++)
        phases[i] = h.items[i]->phase;
    Catalog *old_model, *new_model;
    build_models(a, &h, 15, &old_model, &new_model);
    t.versions[0].model = old_model;
    t.versions[1].model = new_model;
    List steps = {0};
    plan_steps(a, &h, deployed, phases, o, &steps);
    t.nsteps = steps.len;

    /* JSON: one document at the end, the progress on stderr meanwhile */
    FILE *head = o->json ? stderr : out;
    int pending = h.n - 1 - deployed;
    fprintf(head, "zdm rehearse: %d pending migration%s %s\n", pending, pending == 1 ? "" : "s", said);
    if (plan.counts[SEV_ERROR])
        fprintf(head, "zdm: the plan has %d error finding%s (zdm migrate --phase would refuse it); rehearsing "
                      "it anyway to show what breaks\n", plan.counts[SEV_ERROR], plan.counts[SEV_ERROR] == 1 ? "" : "s");
    fprintf(head, "%ld rows per table, %d client%s x %d queries/s, %s per step, max stall %s\n", o->rows,
            o->clients, o->clients == 1 ? "" : "s", o->rate, db_format_duration(a, o->step_ms),
            db_format_duration(a, t.max_stall_ms));
    fflush(head);

    Server srv;
    if (server_open(a, &o->server, &srv, err) < 0) {
        server_close(a, &srv, false, NULL, stderr);
        catalog_free(old_model);
        catalog_free(new_model);
        return -1;
    }
    int rc = -1;
    const char *url = server_fresh_db(a, &srv, "zdm_rehearsal", err);
    PGconn *conn = url ? db_connect(a, url, err) : NULL;
    StepStats *stats = NULL;
    bool started = false;
    if (!conn)
        goto done;
    Progress p;
    prove_progress_init(&p, url, o->path);
    p.run.lock_timeout_ms = o->lock_timeout_ms;
    if (deployed >= 0) {
        fprintf(stderr, "zdm: migrating to %s\n", h.items[deployed]->name);
        if (prove_migrate_to(a, &h, &p, deployed, NULL, err) < 0)
            goto done;
    }
    if (fill_tables(a, conn, o, new_model, stderr, err) < 0 || sample_keys(a, conn, &t, old_model, new_model, o->rows, err) < 0)
        goto done;
    traffic_build_version(a, &t, &t.versions[0], new_model);
    traffic_build_version(a, &t, &t.versions[1], old_model);
    t.url = url;
    atomic_store(&t.counter, 1000000000UL);
    if (traffic_start(&t, err) < 0) {
        started = true;
        goto done;
    }
    started = true;
    for (int k = 0; k < steps.len; k++) {
        Step *s = LIST_GET(&steps, k);
        fprintf(stderr, "zdm: step %d/%d: %s\n", k + 1, steps.len, s->label);
        atomic_store(&t.share_new, s->share_new);
        atomic_store(&t.step, k);
        s->ran = true;
        double t0 = util_now_ms();
        ZdmError e = {0};
        int arc = 0;
        if (s->kind == STEP_BEFORE || s->kind == STEP_AFTER)
            arc = prove_migrate_to(a, &h, &p, s->migration, NULL, &e);
        else if (s->kind == STEP_BACKFILL)
            arc = prove_backfill(a, &p, s->job, NULL, &e);
        s->action_ms = util_now_ms() - t0;
        if (arc < 0 && db_interrupted()) {
            zdm_error(err, NULL, 0, 0, "interrupted during %s", s->label);
            err->kind = ERR_DATABASE;
            goto done;
        }
        if (arc < 0)
            s->error = e.file[0] ? arena_printf(a, "%s:%d:%d: %s", e.file, e.line, e.column, e.message)
                                 : arena_strdup(a, e.message);
        for (double end = util_now_ms() + (double)o->step_ms; util_now_ms() < end && !db_interrupted();) {
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (db_interrupted()) {
            zdm_error(err, NULL, 0, 0, "interrupted during %s", s->label);
            err->kind = ERR_DATABASE;
            goto done;
        }
        if (s->error)
            break;
    }
    stats = arena_alloc(a, sizeof(StepStats) * (size_t)steps.len);
    traffic_stop(a, &t, stats);
    started = false;
    Verdict v = judge(&steps, stats);
    if (o->json)
        print_json(a, o, &h, deployed, said, &plan, &steps, stats, &v, t.max_stall_ms, out);
    else
        print_report(a, &steps, stats, &v, t.max_stall_ms, out);
    rc = passed(&v) ? 0 : 1;
done:
    if (started) {
        StepStats *scratch = arena_alloc(a, sizeof(StepStats) * (size_t)steps.len);
        traffic_stop(a, &t, scratch);
    }
    if (conn)
        PQfinish(conn);
    server_close(a, &srv, o->server.keep, "zdm_rehearsal", stderr);
    catalog_free(old_model);
    catalog_free(new_model);
    return rc;
}
