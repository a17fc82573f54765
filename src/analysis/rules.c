/*
 * rules.c — the statement-level rules: what one statement of a pending
 * migration does to live tables (locks, scans, rewrites), to the code that
 * runs beside it (renames, drops), and to the migration's own transaction.
 *
 * The rules read the Actions the replay recorded, never the parse tree nor
 * the SQL text. Where a fix must repeat the user's SQL with one change
 * (CONCURRENTLY inserted, NOT VALID appended, a column's type), the replay
 * has recorded that SQL as written on the Action, and what the catalog knew
 * of the column or index before the statement; the rules only assemble it.
 *
 * State is kept per migration, in statement order: the explicit transaction
 * block, whether lock_timeout is in force, which live tables the current
 * transaction has locked (and from which line), which objects were already
 * reported as unknown. Findings are collected first and handed to
 * plan_add_finding in file order, so a finding that is only known at the end
 * of the migration (a BEGIN never committed) still sorts where it points.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* ------------------------------------------------------------------------ */
/* Names as SQL and as prose                                                 */
/* ------------------------------------------------------------------------ */

/* An identifier as SQL: bare when PostgreSQL would fold it to itself. */
static const char *qi(Arena *a, const char *id)
{
    return id && *id ? catalog_quote_ident(a, id) : "?";
}

/* The name after the schema: "public.customer" → "customer". */
static const char *bare(const char *qual)
{
    if (!qual)
        return "?";
    const char *dot = strchr(qual, '.');
    return dot ? dot + 1 : qual;
}

/* A "schema.name" for prose: without "public.". */
static const char *disp(const char *qual)
{
    return qual ? catalog_display(qual) : "?";
}

/* A "schema.name" as SQL: quoted where needed, without "public.". */
static const char *qtab(Arena *a, const char *qual)
{
    if (!qual)
        return "?";
    const char *dot = strchr(qual, '.');
    if (!dot)
        return qi(a, qual);
    if (strncmp(qual, "public.", 7) == 0)
        return qi(a, dot + 1);
    return arena_printf(a, "%s.%s", qi(a, arena_strndup(a, qual, (size_t)(dot - qual))),
                        qi(a, dot + 1));
}

/* An index (or other object living beside a table) as SQL: qualified with
 * the table's schema unless that is public or the name is qualified. */
static const char *qsibling(Arena *a, const char *name, const char *table)
{
    if (!name)
        return "?";
    if (strchr(name, '.'))
        return qtab(a, name);
    if (table && strchr(table, '.') && strncmp(table, "public.", 7) != 0) {
        const char *dot = strchr(table, '.');
        return arena_printf(a, "%s.%s", qi(a, arena_strndup(a, table, (size_t)(dot - table))),
                            qi(a, name));
    }
    return qi(a, name);
}

/* A string literal. */
static const char *ql(Arena *a, const char *s)
{
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "'");
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\'')
            sb_append(&sb, "'");
        sb_appendn(&sb, p, 1);
    }
    sb_append(&sb, "'");
    return sb.data;
}

/* ------------------------------------------------------------------------ */
/* Per-migration state                                                       */
/* ------------------------------------------------------------------------ */

/* A live table locked by the current transaction. */
typedef struct Held {
    const char *table;
    LockMode mode;
    int line;      /* where its strongest lock was taken */
    int ae_stmt;   /* index of the statement that took ACCESS EXCLUSIVE, -1 if none */
    int ae_line;
} Held;

typedef struct NotValid {
    const char *table;
    const char *name;
    int line;
} NotValid;

/* A finding waiting to be handed over in file order. */
typedef struct Pending {
    const Statement *stmt;
    int offset; /* as for plan_add_finding */
    int pos;    /* where it points, for sorting */
    int seq;
    const char *rule, *message, *fix;
} Pending;

typedef struct State {
    Arena *a;
    Plan *plan;
    Migration *m;
    const Statement *s; /* the statement being checked */

    bool in_tx;
    const Statement *tx_begin;
    int stray_commits; /* COMMITs the reported nested BEGINs leave without a transaction */

    bool lt_session;          /* SET lock_timeout (not 0) */
    bool lt_session_at_begin; /* to undo on ROLLBACK */
    int lt_local;             /* SET LOCAL in this transaction: -1 none, 0 off, 1 on */
    bool lt_reported;

    List held;      /* Held*: live tables this transaction (or statement) locked */
    List not_valid; /* NotValid*: constraints added NOT VALID in this transaction */
    /* ALTER TYPE ... ADD VALUE: NewValue* added, and const char* enum types
     * created, in the transaction as the runner runs it (not tx_reset's) */
    List new_values;
    List new_types;
    bool sae_reported;
    bool detect_reported; /* Flyway's mixed migration, said once */

    List unknown_seen; /* const char*: objects already reported as unknown */
    List pending;      /* Pending* */
    int base;          /* the position of m's first statement (Creations) */
} State;

static void add(State *st, int offset, const char *rule, const char *message, const char *fix)
{
    Pending *p = arena_alloc(st->a, sizeof *p);
    p->stmt = st->s;
    p->offset = offset;
    p->pos = offset >= 0 ? offset : st->s->offset;
    p->seq = st->pending.len;
    p->rule = rule;
    p->message = message;
    p->fix = fix;
    list_push(st->a, &st->pending, p);
}

static int pending_cmp(const void *x, const void *y)
{
    const Pending *a = *(Pending *const *)x, *b = *(Pending *const *)y;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

static bool lock_timeout_on(const State *st)
{
    return st->lt_local >= 0 ? st->lt_local == 1 : st->lt_session;
}

static Held *held_find(State *st, const char *table)
{
    for (int i = 0; i < st->held.len; i++) {
        Held *h = LIST_GET(&st->held, i);
        if (util_streq(h->table, table))
            return h;
    }
    return NULL;
}

static void held_note(State *st, const char *table, LockMode mode)
{
    if (!table || mode < LOCK_SHARE)
        return;
    Held *h = held_find(st, table);
    if (!h) {
        h = arena_alloc(st->a, sizeof *h);
        h->table = table;
        h->ae_stmt = -1;
        list_push(st->a, &st->held, h);
    }
    if (mode > h->mode) {
        h->mode = mode;
        h->line = st->s->line;
    }
    if (mode == LOCK_ACCESS_EXCLUSIVE && h->ae_stmt < 0) {
        h->ae_stmt = st->s->index;
        h->ae_line = st->s->line;
    }
}

static void tx_reset(State *st)
{
    st->held = (List){0};
    st->not_valid = (List){0};
    st->sae_reported = false;
}

/*
 * Did an earlier statement of the pending release create this object (an
 * action of kind on table, and column when given)? The replay marks tables
 * created in the release (A_NEW_TABLE); constraints, enum types and schemas
 * created and then dropped or renamed within it never reached live code
 * either, so their drops and renames are as harmless.
 *
 * Asked for every drop and rename of a live object, so not answered by
 * scanning the release (that was quadratic in its length): Creations maps
 * each creating action, once, to the position of the first pending
 * statement that did it, counting statements in history order.
 */
typedef struct Creations {
    StrMap first; /* creation_key → (void *)(1 + position) */
    int *base;    /* per history item: the position of its first statement */
} Creations;

#define ANY_COLUMN "\x1d" /* a key for the action on the table, whatever the column */

static const char *creation_key(Arena *a, ActionKind kind, const char *table, const char *column)
{
    /* NULL is not "": util_streq, which the question is about, tells them apart */
    return arena_printf(a, "%d\x1f%s\x1f%s", (int)kind, table ? table : "\x1e",
                        column ? column : "\x1e");
}

static Creations *creations(const State *st)
{
    Plan *plan = st->plan;
    if (plan->creations)
        return plan->creations;
    const History *h = plan->history;
    int n = h ? h->n : 0;
    Creations *c = arena_alloc(st->a, sizeof *c);
    c->base = arena_alloc(st->a, sizeof(int) * (size_t)(n ? n : 1));
    intptr_t pos = 0;
    for (int i = 0; i < n; i++) {
        const Migration *mig = h->items[i];
        c->base[i] = (int)pos;
        if (mig->phase == PHASE_DEPLOYED)
            continue;
        for (int k = 0; k < mig->nstmts; k++, pos++) {
            const Statement *s = mig->stmts[k];
            for (int j = 0; s->fx && j < s->fx->actions.len; j++) {
                const Action *act = LIST_GET(&s->fx->actions, j);
                if (act->kind != ACT_ADD_COLUMN && act->kind != ACT_CREATE_ENUM &&
                    act->kind != ACT_CREATE_SCHEMA && act->kind != ACT_ADD_CONSTRAINT)
                    continue; /* the kinds created_in_release is asked about */
                const char *keys[] = {creation_key(st->a, act->kind, act->table, act->column),
                                      creation_key(st->a, act->kind, act->table, ANY_COLUMN)};
                for (int q = 0; q < 2; q++)
                    if (!strmap_get(&c->first, keys[q]))
                        strmap_put(st->a, &c->first, keys[q], (void *)(pos + 1));
            }
        }
    }
    plan->creations = c;
    return c;
}

static bool created_in_release(const State *st, ActionKind kind, const char *table,
                               const char *column)
{
    const Creations *c = creations(st);
    intptr_t first = (intptr_t)strmap_get(
        &c->first, creation_key(st->a, kind, table, column ? column : ANY_COLUMN));
    return first && first - 1 < st->base + st->s->index;
}

/*
 * Does a later statement of this migration, before any COMMIT or ROLLBACK,
 * do kind on table? (A view left behind under a renamed table's old name.)
 */
static bool later_in_transaction(const State *st, ActionKind kind, const char *table)
{
    for (int k = st->s->index + 1; k < st->m->nstmts; k++) {
        const Statement *s = st->m->stmts[k];
        for (int j = 0; s->fx && j < s->fx->actions.len; j++) {
            const Action *act = LIST_GET(&s->fx->actions, j);
            if (act->kind == ACT_COMMIT || act->kind == ACT_ROLLBACK)
                return false;
            if (act->kind == kind && util_streq(act->table, table))
                return true;
        }
    }
    return false;
}

/* "an ACCESS EXCLUSIVE", "a SHARE": the lock with its article. */
static const char *a_lock(Arena *a, LockMode m)
{
    const char *name = lock_mode_name(m);
    return arena_printf(a, "%s %s", (name[0] == 'A' || name[0] == 'E') ? "an" : "a", name);
}

static bool live(const Action *act) { return !(act->flags & A_NEW_TABLE); }

/* ------------------------------------------------------------------------ */
/* Shared pieces of advice                                                   */
/* ------------------------------------------------------------------------ */

/* The way to NOT NULL without a long ACCESS EXCLUSIVE: 2 steps from PostgreSQL 18
 * (a NOT NULL constraint NOT VALID), 4 before (through a CHECK). */
static void fix_not_null(State *st, StrBuf *sb, int step, const char *table, const char *col)
{
    Arena *a = st->a;
    const char *t = qtab(a, table);
    const char *cn = qi(a, arena_printf(a, "%s_%s_not_null", bare(table), col));
    const char *c = qi(a, col);
    if (st->plan->pg_version >= 18) {
        /* PostgreSQL 18 adds the NOT NULL itself as NOT VALID */
        sb_printf(sb, "%d. ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID;"
                      "  -- instant: checks new and updated rows only (PostgreSQL 18 and later)\n",
                  step, t, cn, c);
        sb_printf(sb, "%d. in a separate transaction: ALTER TABLE %s VALIDATE CONSTRAINT %s;"
                      "  -- scans under SHARE UPDATE EXCLUSIVE: reads and writes go on; the column "
                      "is then NOT NULL",
                  step + 1, t, cn);
        return;
    }
    sb_printf(sb, "%d. ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;"
                  "  -- instant: checks new and updated rows only\n",
              step, t, cn, c);
    sb_printf(sb, "%d. in a separate transaction: ALTER TABLE %s VALIDATE CONSTRAINT %s;"
                  "  -- scans under SHARE UPDATE EXCLUSIVE: reads and writes go on",
              step + 1, t, cn);
    if (st->plan->pg_version >= 12) {
        sb_printf(sb, "\n%d. ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;"
                      "  -- PostgreSQL %d sees the valid CHECK and skips the scan\n",
                  step + 2, t, c, st->plan->pg_version);
        sb_printf(sb, "%d. ALTER TABLE %s DROP CONSTRAINT %s;", step + 3, t, cn);
    } else {
        sb_printf(sb, "\n%d. keep the CHECK instead of SET NOT NULL: PostgreSQL %d scans the "
                      "table for SET NOT NULL even then, and the CHECK rejects NULLs the same way",
                  step + 2, st->plan->pg_version);
    }
}

/* s as one shell word: bare when it is plain, else in double quotes. */
static const char *shq(Arena *a, const char *s, bool always_quote)
{
    bool plain = !always_quote && *s;
    for (const char *p = s; plain && *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
            plain = false;
    if (plain)
        return s;
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "\"");
    for (const char *p = s; *p; p++) {
        if (strchr("\"$`\\", *p))
            sb_append(&sb, "\\");
        sb_appendn(&sb, p, 1);
    }
    sb_append(&sb, "\"");
    return sb.data;
}

/* "zdm backfill <table> --set "<set>" --where "<where>"", quoted for a shell. */
static const char *backfill_cmd(Arena *a, const char *table, const char *set, const char *where)
{
    return arena_printf(a, "zdm backfill %s --set %s --where %s", shq(a, qtab(a, table), false),
                        shq(a, set, true), shq(a, where, true));
}

/* A primary-key column handed over to a new one: DROP NOT NULL fails on a key
 * column, so the key itself moves to the new column first. */
static void fix_handover_key(State *st, StrBuf *sb, int step, const char *table, const char *old,
                             const char *neu, const char *before)
{
    Arena *a = st->a;
    const char *ix = qi(a, arena_printf(a, "%s_%s_key", bare(table), neu));
    sb_printf(sb,
              "%d. before %s is deployed, move the primary key, since %s is part of it and DROP "
              "NOT NULL fails on a key column: make %s NOT NULL without a long lock (ADD CHECK (%s "
              "IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL), CREATE UNIQUE INDEX "
              "CONCURRENTLY %s ON %s (the key's columns, with %s for %s); then in one short "
              "transaction ALTER TABLE %s DROP CONSTRAINT <its primary key>, ADD PRIMARY KEY "
              "USING INDEX %s (foreign keys that reference the key must be recreated on it)\n",
              step, before, old, qi(a, neu), qi(a, neu), ix, qtab(a, table), qi(a, neu), qi(a, old),
              qtab(a, table), ix);
}

/* A NOT NULL column handed over to a new one: the old must accept NULL before
 * the code stops writing it, and the new one becomes NOT NULL without a scan
 * under lock. */
static void fix_handover_not_null(State *st, StrBuf *sb, int step, const char *table,
                                  const char *old, const char *neu, const char *before)
{
    Arena *a = st->a;
    sb_printf(sb,
              "%d. before %s is deployed: ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL; "
              "(its INSERTs no longer set %s), and make %s NOT NULL the safe way: ADD "
              "CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT, then "
              "%s\n",
              step, before, qtab(a, table), qi(a, old), old, neu,
              qi(a, arena_printf(a, "%s_%s_not_null", bare(table), neu)), qi(a, neu),
              st->plan->pg_version >= 12
                  ? "SET NOT NULL"
                  : arena_printf(a, "keep the CHECK (PostgreSQL %d scans for SET NOT NULL)",
                                 st->plan->pg_version));
}

/* ------------------------------------------------------------------------ */
/* The rules, one function per action kind or concern                        */
/* ------------------------------------------------------------------------ */

/* How to run a statement outside a transaction block, for this migration's
 * runner. */
static const char *outside_tx(State *st)
{
    if (st->m->tx_mode == TX_WRAPPED) /* the runner's transaction: say how to leave it */
        return arena_printf(st->a, "a migration of its own, with %s", st->m->tx_optout);
    if (st->m->tx_mode == TX_DETECT)
        return arena_printf(st->a, "a migration of its own holding only such statements (%s then runs it "
                                   "outside a transaction)",
                            st->m->tx_runner);
    return "a migration of its own without BEGIN/COMMIT";
}

/* CREATE INDEX on a partitioned table: PostgreSQL builds it on every
 * partition under SHARE and refuses CONCURRENTLY; ON ONLY makes the parent's
 * index alone (catalog-only), which each partition's index, built
 * CONCURRENTLY, is then attached to. */
static void r_create_index_partitioned(State *st, const Action *act)
{
    Arena *a = st->a;
    bool concurrent = (act->flags & A_CONCURRENT) != 0;
    if (act->cost < COST_INDEX || (!concurrent && !live(act)))
        return; /* ON ONLY, or a table nothing live uses */
    const char *t = disp(act->table);
    const char *idx = act->column ? act->column : "the index";
    const char *msg =
        concurrent
            ? arena_printf(a,
                           "PostgreSQL refuses CREATE INDEX CONCURRENTLY on the partitioned table %s "
                           "(\"cannot create index on partitioned table concurrently\"): the migration "
                           "fails here. Build the index partition by partition instead.",
                           t)
            : arena_printf(a,
                           "CREATE %sINDEX %s on the partitioned table %s builds it on every partition, "
                           "each under a SHARE lock held until the whole build ends: every INSERT, UPDATE "
                           "and DELETE on %s waits until all are built (minutes on large partitions). "
                           "Reads go on. CONCURRENTLY is no way out: PostgreSQL refuses it on a "
                           "partitioned table.",
                           (act->flags & A_UNIQUE) ? "UNIQUE " : "", idx, t, t);
    StrBuf fix;
    sb_init(&fix, a);
    sb_printf(&fix, "1. %s;  -- the parent's index alone: catalog-only, invalid until each partition has its own\n",
              act->only_sql ? act->only_sql
                            : arena_printf(a, "CREATE %sINDEX %s ON ONLY %s (...)",
                                           (act->flags & A_UNIQUE) ? "UNIQUE " : "",
                                           qsibling(a, act->column, act->table), qtab(a, act->table)));
    sb_printf(&fix, "2. for each partition, outside a transaction block (%s): build its index "
                    "CONCURRENTLY, then attach it:\n",
              outside_tx(st));
    if (act->partition_sql)
        sb_printf(&fix, "%s\n", act->partition_sql);
    else
        sb_printf(&fix, "CREATE INDEX CONCURRENTLY <partition>_..._idx ON <partition> (...);\n"
                        "ALTER INDEX %s ATTACH PARTITION <partition>_..._idx;\n",
                  qsibling(a, act->column, act->table));
    sb_printf(&fix, "3. once the last partition's index is attached, %s becomes valid by itself",
              qsibling(a, act->column, act->table));
    add(st, act->offset, "index-not-concurrent", msg, fix.data);
}

static void r_create_index(State *st, const Action *act)
{
    Arena *a = st->a;
    if (act->flags & A_PARTITIONED) {
        r_create_index_partitioned(st, act);
        return;
    }
    if (st->in_tx && (act->flags & A_CONCURRENT))

        return; /* concurrently-in-transaction speaks for it */
    if ((act->flags & A_CONCURRENT) || !live(act))
        return;
    const char *t = disp(act->table);
    const char *idx = act->column ? act->column : "the index";
    /* The user's statement with CONCURRENTLY after INDEX. */
    const char *sql;
    if (act->concurrent_sql)
        sql = arena_printf(a, "%s;", act->concurrent_sql);
    else
        sql = arena_printf(a, "CREATE %sINDEX CONCURRENTLY %s ON %s (...);",
                           (act->flags & A_UNIQUE) ? "UNIQUE " : "",
                           qsibling(a, act->column, act->table), qtab(a, act->table));
    const char *msg = arena_printf(
        a,
        "CREATE %sINDEX %s takes a SHARE lock on %s for the whole build: every INSERT, UPDATE "
        "and DELETE on %s, from the old and the new code alike, waits until the index is "
        "built (minutes on a large table). Reads go on.",
        (act->flags & A_UNIQUE) ? "UNIQUE " : "", idx, t, t);
    StrBuf fix;
    sb_init(&fix, a);
    sb_printf(&fix, "1. %s  -- builds without blocking writes\n", sql);
    if (st->m->tx_mode == TX_WRAPPED) /* the runner's transaction: say how to leave it */
        sb_printf(&fix, "2. run it outside a transaction block: a migration of its own, with %s\n",
                  st->m->tx_optout);
    else if (st->m->tx_mode == TX_DETECT)
        sb_printf(&fix, "2. run it outside a transaction block: a migration of its own holding "
                        "only this statement (%s then runs it outside a transaction)\n",
                  st->m->tx_runner);
    else
        sb_append(&fix, "2. run it outside a transaction block: a migration of its own without "
                        "BEGIN/COMMIT (in Django: atomic = False and AddIndexConcurrently)\n");
    sb_printf(&fix, "3. if it fails it leaves an INVALID index behind: DROP INDEX CONCURRENTLY "
                    "IF EXISTS %s; then run it again",
              qsibling(a, act->column, act->table));
    add(st, act->offset, "index-not-concurrent", msg, fix.data);
}

static const char *concurrent_what(ActionKind k)
{
    switch (k) {
    case ACT_CREATE_INDEX: return "CREATE INDEX CONCURRENTLY";
    case ACT_DROP_INDEX: return "DROP INDEX CONCURRENTLY";
    case ACT_REINDEX: return "REINDEX CONCURRENTLY";
    default: return "A CONCURRENTLY command";
    }
}

/* Whether a statement other than CONCURRENTLY ones is in the migration:
 * Flyway then refuses to run the CONCURRENTLY one outside a transaction. */
static bool mixes_transactional(const Migration *m)
{
    for (int i = 0; i < m->nstmts; i++) {
        const Statement *s = m->stmts[i];
        bool concurrent = false;
        for (int k = 0; s->fx && k < s->fx->actions.len; k++)
            concurrent |= (((const Action *)LIST_GET(&s->fx->actions, k))->flags & A_CONCURRENT) != 0;
        if (!concurrent)
            return true;
    }
    return false;
}

static void r_concurrent_in_tx(State *st, const Action *act)
{
    Arena *a = st->a;
    const Migration *m = st->m;
    if (!(act->flags & A_CONCURRENT))
        return;
    const char *what = concurrent_what(act->kind);
    if (!st->in_tx && m->tx_mode == TX_WRAPPED) {
        /* The runner's transaction, not the file's: see Migration.tx_mode. */
        const char *msg = arena_printf(
            a,
            "PostgreSQL refuses %s inside a transaction block (\"cannot run inside a transaction "
            "block\"), and %s runs this migration in one: the migration fails at this statement "
            "and everything before it in the file is rolled back.",
            what, m->tx_runner);
        const char *fix =
            m->nstmts == 1
                ? arena_printf(a, "run this migration outside a transaction: %s", m->tx_optout)
                : arena_printf(a,
                               "1. move it into a migration of its own, with %s\n"
                               "2. keep that migration to this one statement: outside a "
                               "transaction, a migration that fails halfway cannot roll back",
                               m->tx_optout);
        add(st, act->offset, "concurrently-in-transaction", msg, fix);
        return;
    }
    if (!st->in_tx && m->tx_mode == TX_DETECT) {
        if (st->detect_reported || !mixes_transactional(m))
            return; /* Flyway runs a migration of such statements alone outside a transaction */
        st->detect_reported = true;
        const char *msg = arena_printf(
            a,
            "%s cannot run inside a transaction block, and %s refuses a migration that mixes it "
            "with statements that can (\"Detected both transactional and non-transactional "
            "statements within the same migration\"): the deploy stops here. With %s's mixed "
            "setting on, the whole migration runs without a transaction instead.",
            what, m->tx_runner, m->tx_runner);
        const char *fix = arena_printf(
            a,
            "1. move it into a migration of its own, holding only statements that cannot run in "
            "a transaction: %s then runs it outside one (or say so with %s)\n"
            "2. keep the rest in a migration of their own",
            m->tx_runner, m->tx_optout);
        add(st, act->offset, "concurrently-in-transaction", msg, fix);
        return;
    }
    if (!st->in_tx)
        return;
    const char *msg = arena_printf(
        a,
        "PostgreSQL refuses %s inside a transaction block (\"cannot run inside a transaction "
        "block\"): the migration fails at this statement and everything since the BEGIN at "
        "line %d is rolled back.",
        what, st->tx_begin ? st->tx_begin->line : 0);
    const char *fix =
        "1. move it out of BEGIN … COMMIT: into a migration of its own with no transaction "
        "block, or after the COMMIT\n"
        "2. in Django: set atomic = False on that migration (class Migration: atomic = False)";
    add(st, act->offset, "concurrently-in-transaction", msg, fix);
}

static void r_drop_index(State *st, const Action *act)
{
    Arena *a = st->a;
    if ((act->flags & A_CONCURRENT) || !live(act))
        return;
    /* DROP INDEX IF EXISTS of an index the history never created: a database
     * the history built has no such index, so the statement does nothing
     * there, as DROP TABLE IF EXISTS and ALTER TABLE IF EXISTS of an unknown
     * table do (the replay skips those). */
    if (!act->table && (act->flags & A_IF_EXISTS))
        return;
    /* an index zdm never saw: table then holds the index's own name */
    const char *table = (act->flags & A_ASSUMED) ? NULL : act->table;
    const char *t = table ? disp(table) : "its table";
    const char *idx = act->column ? act->column : "the index";
    const char *msg = arena_printf(
        a,
        "DROP INDEX %s takes ACCESS EXCLUSIVE on %s: it waits for every running query on %s "
        "to finish, and every query on %s that arrives meanwhile, reads included, waits "
        "behind it.",
        idx, t, t, t);
    const char *fix = arena_printf(
        a,
        "1. DROP INDEX CONCURRENTLY %s%s;  -- waits for running queries without blocking new "
        "ones\n"
        "2. run it outside a transaction block: a migration of its own without BEGIN/COMMIT "
        "(in Django: atomic = False and RemoveIndexConcurrently)",
        (act->flags & A_IF_EXISTS) ? "IF EXISTS " : "",
        (act->flags & A_ASSUMED) ? qtab(a, act->table) : qsibling(a, act->column, table));
    add(st, act->offset, "drop-index-not-concurrent", msg, fix);
}

static void r_reindex(State *st, const Action *act)
{
    Arena *a = st->a;
    if ((act->flags & A_CONCURRENT) || !live(act))
        return;
    const char *what = act->detail ? act->detail : "INDEX";
    bool index = strcmp(what, "INDEX") == 0;
    bool table = strcmp(what, "TABLE") == 0;
    const char *t = act->table ? disp(act->table) : "its table";
    const char *name = act->column ? act->column : "?";
    const char *msg;
    if (index)
        msg = arena_printf(a,
                           "REINDEX rebuilds %s under a SHARE lock on %s and ACCESS EXCLUSIVE "
                           "on the index: every INSERT, UPDATE and DELETE on %s, and every "
                           "query that would use the index, waits until it is rebuilt.",
                           name, t, t);
    else if (table)
        msg = arena_printf(a,
                           "REINDEX TABLE rebuilds every index of %s under a SHARE lock: every "
                           "INSERT, UPDATE and DELETE on %s, and every query that would use an "
                           "index, waits until they are all rebuilt.",
                           t, t);
    else
        msg = arena_printf(a,
                           "REINDEX %s rebuilds every index of every table in %s, each under a "
                           "SHARE lock: writes to each table, and queries using its indexes, "
                           "wait while it is rebuilt.",
                           what, name);
    const char *fix;
    if (st->plan->pg_version >= 12) {
        fix = arena_printf(a,
                           "1. REINDEX %s CONCURRENTLY %s;  -- rebuilds beside the old %s, "
                           "without blocking\n"
                           "2. run it outside a transaction block (in Django: atomic = False)",
                           what,
                           index ? qsibling(a, name, act->table)
                                 : table ? qtab(a, act->table) : qi(a, name),
                           index ? "index" : "indexes");
    } else if (index) {
        const char *qidx = qsibling(a, name, act->table);
        const char *twin = qi(a, arena_printf(a, "%s_new", name));
        const char *create =
            act->index_def ? arena_printf(a, "CREATE %sINDEX CONCURRENTLY %s %s;",
                                          (act->flags & A_UNIQUE) ? "UNIQUE " : "", twin,
                                          act->index_def)
                           : NULL;
        fix = arena_printf(
            a,
            "PostgreSQL %d has no REINDEX CONCURRENTLY; build a twin instead, outside a "
            "transaction block:\n"
            "1. %s\n"
            "2. DROP INDEX CONCURRENTLY %s;\n"
            "3. ALTER INDEX %s RENAME TO %s;",
            st->plan->pg_version,
            create ? create
                   : arena_printf(a, "CREATE INDEX CONCURRENTLY %s ON %s (...);  -- the same "
                                     "definition as %s", twin, qtab(a, act->table), name),
            qidx, twin, qi(a, name));
    } else {
        fix = arena_printf(
            a,
            "PostgreSQL %d has no REINDEX CONCURRENTLY; for each index, outside a transaction "
            "block: CREATE INDEX CONCURRENTLY a twin with the same definition, DROP INDEX "
            "CONCURRENTLY the old one, and rename the twin to its name.",
            st->plan->pg_version);
    }
    add(st, act->offset, "reindex-not-concurrent", msg, fix);
}

static void r_add_constraint(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act))
        return;
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    const char *name = act->column ? act->column : arena_printf(a, "%s_constraint", bare(act->table));
    const char *qn = qi(a, name);

    /* The constraint as a table constraint: "CHECK (...)", "FOREIGN KEY (c) REFERENCES ...";
     * for a column constraint, the ADD COLUMN without it. */
    const char *body = act->con_sql;
    const char *coldef = act->coldef_sql;
    /* How the message names it: as written, a table or a column constraint. */
    const char *kind_sql = act->contype == CON_PRIMARY  ? "PRIMARY KEY"
                           : act->contype == CON_UNIQUE ? "UNIQUE"
                           : act->contype == CON_FOREIGN ? "FOREIGN KEY"
                           : act->contype == CON_EXCLUDE ? "EXCLUDE"
                                                         : "CHECK";
    const char *subject =
        act->col_sql
            ? arena_printf(a, "The %s on the new column %s (constraint %s)",
                           act->contype == CON_FOREIGN ? "REFERENCES" : kind_sql, act->col_sql,
                           name)
            : arena_printf(a, "ADD CONSTRAINT %s %s", name, kind_sql);

    if (act->contype == CON_PRIMARY || act->contype == CON_UNIQUE) {
        if (act->flags & A_USING_INDEX)
            return;
        bool pk = act->contype == CON_PRIMARY;
        const char *cols = act->key_sql ? act->key_sql : "(...)";
        const char *idx = qi(a, arena_printf(a, "%s_idx", name));
        const char *msg = arena_printf(
            a,
            "%s builds a unique index on %s while holding ACCESS EXCLUSIVE: "
            "every query on %s, reads included, waits for the whole build (minutes on a large "
            "table).",
            subject, t, t);
        StrBuf fix;
        sb_init(&fix, a);
        int step = 1;
        if (coldef)
            sb_printf(&fix, "%d. ALTER TABLE %s %s;\n", step++, qt, coldef);
        sb_printf(&fix,
                  "%d. CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s;  -- outside a transaction "
                  "block, without blocking writes\n",
                  step++, idx, qt, cols);
        sb_printf(&fix, "%d. ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;  -- instant",
                  step, qt, qn, pk ? "PRIMARY KEY" : "UNIQUE", idx);
        if (pk)
            sb_append(&fix, "; its columns must already be NOT NULL, or this step scans the "
                            "table (see set-not-null-scans)");
        add(st, act->offset, "unique-constraint-builds-index", msg, fix.data);
        return;
    }

    if (act->contype == CON_EXCLUDE) {
        const char *msg = arena_printf(
            a,
            "%s builds its index on %s while holding ACCESS EXCLUSIVE: "
            "every query on %s, reads included, waits for the whole build, and PostgreSQL has "
            "no concurrent way to add an exclusion constraint.",
            subject, t, t);
        const char *fix =
            "1. run it when traffic is lowest, with SET lock_timeout = '1s'; so it gives up "
            "rather than queue every query, and on a table small enough to build in seconds\n"
            "2. or enforce the rule another way while the table is large: a trigger that "
            "checks for overlaps, or the application";
        add(st, act->offset, "exclude-constraint", msg, fix);
        return;
    }

    if (act->contype != CON_CHECK && act->contype != CON_FOREIGN)
        return;
    if (act->flags & A_NOT_VALID)
        return;
    /* No scan to avoid: REFERENCES on a column the same ADD COLUMN adds
     * without a default holds only NULLs, and PostgreSQL skips the validation
     * (measured: no sequential scan of either table). */
    if (act->cost < COST_SCAN)
        return;
    bool fk = act->contype == CON_FOREIGN;
    const char *msg;
    if (fk) {
        const char *ref = act->ref_table ? disp(act->ref_table) : "the referenced table";
        msg = arena_printf(
            a,
            "%s checks every row of %s against %s while holding "
            "%s on both: every INSERT, UPDATE and DELETE on %s and %s waits until the scan "
            "ends.",
            subject, t, ref, lock_mode_name(act->lock > LOCK_NONE ? act->lock : LOCK_SHARE_ROW_EXCLUSIVE),
            t, ref);
    } else {
        msg = arena_printf(
            a,
            "%s scans every row of %s to validate it while holding %s: "
            "every query on %s%s waits until the scan ends.",
            subject, t, lock_mode_name(act->lock > LOCK_NONE ? act->lock : LOCK_ACCESS_EXCLUSIVE),
            t, act->lock == LOCK_ACCESS_EXCLUSIVE || act->lock == LOCK_NONE ? ", reads included," : "");
    }
    if (!body)
        body = fk ? "FOREIGN KEY (...) REFERENCES ..." : "CHECK (...)";
    StrBuf fix;
    sb_init(&fix, a);
    int step = 1;
    if (coldef)
        sb_printf(&fix, "%d. ALTER TABLE %s %s;\n", step++, qt, coldef);
    sb_printf(&fix,
              "%d. ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID;  -- instant: checks new and "
              "updated rows only\n",
              step++, qt, qn, body);
    sb_printf(&fix,
              "%d. COMMIT, then in a separate transaction: ALTER TABLE %s VALIDATE CONSTRAINT "
              "%s;  -- scans under SHARE UPDATE EXCLUSIVE: reads and writes go on",
              step, qt, qn);
    if (!fk)
        sb_append(&fix, "\nIn Django: AddConstraintNotValid, then ValidateConstraint in a "
                        "later migration (django.contrib.postgres.operations)");
    add(st, act->offset, "constraint-without-not-valid", msg, fix.data);
}

static void r_validate(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act))
        return;
    Held *h = held_find(st, act->table);
    if (!h || h->mode < LOCK_SHARE)
        return;
    const char *t = disp(act->table);
    const char *name = act->column ? act->column : "the constraint";
    const NotValid *nv = NULL;
    for (int i = 0; i < st->not_valid.len; i++) {
        const NotValid *x = LIST_GET(&st->not_valid, i);
        if (util_streq(x->table, act->table) && util_streq(x->name, act->column))
            nv = x;
    }
    bool ae = h->mode == LOCK_ACCESS_EXCLUSIVE;
    const char *both = t;
    const Held *rh = act->ref_table ? held_find(st, act->ref_table) : NULL;
    if (!ae && rh && rh->mode >= LOCK_SHARE && rh != h)
        both = arena_printf(a, "%s and %s", t, disp(act->ref_table));
    const char *whom = ae ? arena_printf(a, "every query on %s, reads included,", t)
                          : arena_printf(a, "every INSERT, UPDATE and DELETE on %s", both);
    const char *msg = arena_printf(
        a,
        "VALIDATE CONSTRAINT %s scans every row of %s while this transaction still holds the "
        "%s lock taken at line %d: %s waits for the whole scan%s.",
        name, t, lock_mode_name(h->mode), h->line, whom,
        nv ? arena_printf(a, ", and the NOT VALID at line %d saves nothing", nv->line)
           : "");
    const char *fix = arena_printf(
        a,
        "1. COMMIT after the statement that takes the lock (line %d), so it is released at "
        "once\n"
        "2. run ALTER TABLE %s VALIDATE CONSTRAINT %s; in a transaction of its own: a later "
        "migration (in Django: a separate migration)",
        h->line, qtab(a, act->table), qi(a, name));
    add(st, act->offset, "validate-in-same-transaction", msg, fix);
}

static void r_set_not_null(State *st, const Action *act)
{
    Arena *a = st->a;
    if ((act->flags & A_SCAN_SKIPPED) || !live(act))
        return;
    const char *t = disp(act->table);
    const char *msg = arena_printf(
        a,
        "SET NOT NULL on %s.%s scans every row of %s for NULLs while holding ACCESS "
        "EXCLUSIVE: every query on %s, reads included, waits until the scan ends.",
        t, act->column ? act->column : "?", t, t);
    StrBuf fix;
    sb_init(&fix, a);
    fix_not_null(st, &fix, 1, act->table, act->column ? act->column : "?");
    add(st, act->offset, "set-not-null-scans", msg, fix.data);
}

static void r_add_column(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act))
        return;
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    const char *col = act->column ? act->column : "?";
    const char *qc = qi(a, col);

    /* as written: the type, and the DEFAULT (or, A_GENERATED, the generation) expression */
    const char *type = act->col_type ? act->col_type : "<type>";
    const char *defexpr = act->expr_sql;

    bool rewrites = act->cost >= COST_REWRITE ||
                    (act->flags & (A_VOLATILE | A_SERIAL | A_IDENTITY | A_GENERATED));
    if (rewrites) {
        const char *why;
        if (act->flags & A_SERIAL)
            why = "as a serial column";
        else if (act->flags & A_IDENTITY)
            why = "as an identity column";
        else if (act->flags & A_GENERATED)
            why = "as a stored generated column";
        else if (defexpr)
            why = arena_printf(a, "with the volatile default %s", defexpr);
        else
            why = "with a volatile default";
        const char *msg = arena_printf(
            a,
            "ADD COLUMN %s %s rewrites all of %s and its indexes, to fill the column in for "
            "every existing row, while holding ACCESS EXCLUSIVE: every query on %s, reads "
            "included, waits until it ends (minutes on a large table).",
            col, why, t, t);
        StrBuf fix;
        sb_init(&fix, a);
        if (act->flags & (A_SERIAL | A_IDENTITY)) {
            const char *ty = "bigint";
            if (act->flags & A_SERIAL) /* the replay keeps a serial's integer type */
                ty = util_streq(act->detail, "int8")   ? "bigint"
                     : util_streq(act->detail, "int2") ? "smallint"
                                                       : "integer";
            else if (act->col_type)
                ty = act->col_type; /* the identity column's own type */
            const char *seqname = arena_printf(a, "%s_%s_seq", bare(act->table), col);
            const char *seq = qsibling(a, seqname, act->table);
            sb_printf(&fix, "1. CREATE SEQUENCE %s;\n", seq);
            sb_printf(&fix, "2. ALTER TABLE %s ADD COLUMN %s %s;  -- nullable, no default: "
                            "catalog-only\n", qt, qc, ty);
            sb_printf(&fix, "3. ALTER TABLE %s ALTER COLUMN %s SET DEFAULT nextval(%s); "
                            "ALTER SEQUENCE %s OWNED BY %s.%s;  -- for new rows only: "
                            "catalog-only\n",
                      qt, qc, ql(a, seq), seq, qt, qc);
            sb_printf(&fix, "4. backfill outside the migration, in batches: %s\n",
                      backfill_cmd(a, act->table, arena_printf(a, "%s = nextval(%s)", qc, ql(a, seq)),
                                   arena_printf(a, "%s IS NULL", qc)));
            fix_not_null(st, &fix, 5, act->table, col);
            if (act->flags & A_IDENTITY)
                sb_append(&fix, "\nThe column then works like an identity column BY DEFAULT; "
                                "to make it one, DROP DEFAULT and ADD GENERATED BY DEFAULT AS "
                                "IDENTITY (START WITH <max + 1>), both catalog-only.");
        } else if (act->flags & A_GENERATED) {
            const char *expr = act->expr_sql ? act->expr_sql : "<expression>";
            sb_printf(&fix, "1. ALTER TABLE %s ADD COLUMN %s %s;  -- a plain nullable column: "
                            "catalog-only\n", qt, qc, type);
            sb_printf(&fix, "2. keep it in step: a BEFORE INSERT OR UPDATE trigger that sets "
                            "NEW.%s to %s, computed over NEW's columns\n", qc, expr);
            sb_printf(&fix, "3. backfill outside the migration, in batches: %s",
                      backfill_cmd(a, act->table, arena_printf(a, "%s = %s", qc, expr),
                                   arena_printf(a, "%s IS NULL", qc)));
        } else {
            const char *expr = defexpr ? defexpr : "<expression>";
            sb_printf(&fix, "1. ALTER TABLE %s ADD COLUMN %s %s;  -- nullable, no default: "
                            "catalog-only\n", qt, qc, type);
            sb_printf(&fix, "2. ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;  -- for new "
                            "rows only: catalog-only\n", qt, qc, expr);
            sb_printf(&fix, "3. backfill outside the migration, in batches: %s",
                      backfill_cmd(a, act->table, arena_printf(a, "%s = %s", qc, expr),
                                   arena_printf(a, "%s IS NULL", qc)));
            if (act->flags & A_NOT_NULL) {
                sb_append(&fix, "\n");
                fix_not_null(st, &fix, 4, act->table, col);
            }
        }
        add(st, act->offset, "add-column-rewrites", msg, fix.data);
        return;
    }

    if ((act->flags & A_NOT_NULL) && !(act->flags & A_HAS_DEFAULT)) {
        const char *msg = arena_printf(
            a,
            "ADD COLUMN %s NOT NULL without a default fails on %s as soon as it holds a row "
            "(\"column contains null values\"); on an empty table it succeeds, and then every "
            "INSERT of the old code, which does not name %s, fails with a NOT NULL violation.",
            col, t, col);
        StrBuf fix;
        sb_init(&fix, a);
        sb_printf(&fix,
                  "Give it a constant default, catalog-only on PostgreSQL 11+ (the old code's "
                  "INSERTs get the default):\n"
                  "  ALTER TABLE %s ADD COLUMN %s %s NOT NULL DEFAULT <value>;\n"
                  "Or, when no default fits:\n",
                  qt, qc, type);
        sb_printf(&fix, "1. ALTER TABLE %s ADD COLUMN %s %s;  -- nullable\n", qt, qc, type);
        sb_append(&fix, "2. deploy code that always writes it\n");
        sb_printf(&fix, "3. backfill outside the migration: %s\n",
                  backfill_cmd(a, act->table, arena_printf(a, "%s = <value>", qc),
                               arena_printf(a, "%s IS NULL", qc)));
        fix_not_null(st, &fix, 4, act->table, col);
        add(st, act->offset, "add-column-not-null-no-default", msg, fix.data);
    }
}

static void r_alter_type(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act))
        return;
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    const char *col = act->column ? act->column : "?";
    const char *qc = qi(a, col);
    /* the type as the user wrote it (detail: as the catalog spells it) */
    const char *newtype = act->new_type   ? act->new_type
                          : act->detail ? act->detail
                                        : "<new type>";

    /* Under TimeZone UTC, timestamp ↔ timestamptz keeps the rows but builds
     * the column's indexes again (the replay's cost says builds-index). */
    bool reindexes = !(act->flags & A_REWRITE) && act->cost == COST_INDEX;
    if ((act->flags & A_REWRITE) || reindexes) {
        const char *newcol = arena_printf(a, "%s_new", col);
        const char *qnew = qi(a, newcol);
        const char *backfill_expr =
            act->expr_sql ? act->expr_sql : arena_printf(a, "%s::%s", qc, newtype);
        const char *trigger_expr =
            act->expr_on_new ? act->expr_on_new : arena_printf(a, "NEW.%s::%s", qc, newtype);
        const char *msg =
            reindexes
                ? arena_printf(a,
                               "ALTER COLUMN %s TYPE %s keeps the rows of %s (the session's TimeZone "
                               "is UTC) but builds every index on %s again while holding ACCESS "
                               "EXCLUSIVE: every query on %s, reads included, waits until the "
                               "indexes are built (minutes on a large table).",
                               col, newtype, t, col, t)
                : arena_printf(a,
                               "ALTER COLUMN %s TYPE %s rewrites every row of %s and rebuilds its "
                               "indexes while holding ACCESS EXCLUSIVE: every query on %s, reads "
                               "included, waits until it ends (minutes on a large table).",
                               col, newtype, t, t);
        StrBuf fix;
        sb_init(&fix, a);
        if ((act->flags & A_ZONE) && !reindexes && !act->expr_sql && st->plan->pg_version >= 12 &&
            !strchr(act->detail ? act->detail : "", '('))
            sb_printf(&fix, "If %s holds UTC times (what most applications store), SET TimeZone = "
                            "'UTC'; just before the ALTER: PostgreSQL then changes the catalog "
                            "only, and builds any index on %s again. Under another zone each "
                            "value is converted as that zone's local time, which is why it "
                            "rewrites.\nOtherwise, or if even the index builds take too long, "
                            "expand and contract with a new column:\n",
                      col, col);
        else
            sb_append(&fix, "Expand and contract with a new column:\n");
        sb_printf(&fix, "1. ALTER TABLE %s ADD COLUMN %s %s;  -- catalog-only\n", qt, qnew, newtype);
        sb_printf(&fix, "2. keep it in step with %s: the code writes both, or a BEFORE INSERT "
                        "OR UPDATE trigger sets NEW.%s := %s\n",
                  qc, qnew, trigger_expr);
        sb_printf(&fix, "3. backfill outside the migration, in batches: %s\n",
                  backfill_cmd(a, act->table, arena_printf(a, "%s = %s", qnew, backfill_expr),
                               arena_printf(a, "%s IS NULL", qnew)));
        int step = 4;
        if (act->flags & A_PRIMARY_KEY)
            fix_handover_key(st, &fix, step++, act->table, col, newcol,
                             "the release that stops writing it");
        if (act->col_not_null && !act->col_has_default && !(act->flags & A_PRIMARY_KEY))
            fix_handover_not_null(st, &fix, step++, act->table, col, newcol,
                                  "the release that stops writing it");
        sb_printf(&fix, "%d. release code that reads and writes %s only (in Django: "
                        "db_column='%s' on the field)\n", step++, qnew, newcol);
        sb_printf(&fix, "%d. after that deploy: ALTER TABLE %s DROP COLUMN %s;", step, qt, qc);
        add(st, act->offset, "type-change-rewrites", msg, fix.data);
    }

    if (act->flags & A_NARROWS) {
        int n = act->new_len;
        const char *msg = arena_printf(
            a,
            "ALTER COLUMN %s TYPE %s narrows %s.%s: the ALTER fails if a row holds a value "
            "that does not fit, and afterwards every INSERT or UPDATE of the old code that "
            "writes such a value fails.",
            col, newtype, t, col);
        StrBuf fix;
        sb_init(&fix, a);
        sb_printf(&fix, "1. first release code that never writes values that do not fit %s "
                        "(in Django: the field's new max_length or type validates them)\n",
                  newtype);
        if (n > 0)
            sb_printf(&fix, "2. find and fix the rows that do not fit: SELECT count(*) FROM %s "
                            "WHERE length(%s) > %d;\n", qt, qc, n);
        else
            sb_printf(&fix, "2. find and fix the rows whose %s does not fit %s\n", qc, newtype);
        sb_append(&fix, "3. then change the type");
        add(st, act->offset, "type-change-narrows", msg, fix.data);
    }
}

/* "view v", "materialized view m and view w": the views of refs, only those
 * that read the column or relation themselves when direct_only. */
static const char *views_prose(Arena *a, const List *refs, bool direct_only)
{
    StrBuf sb;
    sb_init(&sb, a);
    int n = 0, total = 0;
    for (int i = 0; i < refs->len; i++)
        total += !direct_only || ((const ViewRef *)LIST_GET(refs, i))->direct;
    for (int i = 0; i < refs->len; i++) {
        const ViewRef *r = LIST_GET(refs, i);
        if (direct_only && !r->direct)
            continue;
        sb_printf(&sb, "%s%s %s", n == 0 ? "" : n == total - 1 ? " and " : ", ",
                  r->materialized ? "materialized view" : "view", disp(r->view));
        n++;
    }
    return sb.data;
}

/*
 * PostgreSQL records which columns a view reads, and refuses to change the
 * type of one (0A000) or to drop one without CASCADE (2BP01); with CASCADE
 * the views go too. Measured on 15 and 18; the replay lists the views.
 */
static void r_column_used_by_view(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!act->views.len)
        return;
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    const char *col = act->column ? act->column : "?";
    const char *which = views_prose(a, &act->views, true);
    bool drop = act->kind == ACT_DROP_COLUMN;
    bool cascade = drop && (act->flags & A_CASCADE);
    const List *vs = &act->views;
    if (cascade) {
        StrBuf gone;
        sb_init(&gone, a);
        int live_views = 0;
        for (int i = 0; i < vs->len; i++) {
            const ViewRef *r = LIST_GET(vs, i);
            sb_printf(&gone, "%s%s", i ? ", " : "", disp(r->view));
            live_views += !r->new_in_release;
        }
        if (!live_views)
            return; /* views of this release: no code reads them yet */
        const char *msg = arena_printf(
            a,
            "DROP COLUMN %s.%s CASCADE also drops %s %s (%s read%s %s): every query on %s "
            "fails from then on with \"relation does not exist\", the old code's included.",
            t, col, vs->len > 1 ? "the views" : "the view", gone.data, which,
            strchr(which, ',') || strstr(which, " and ") ? "" : "s", col,
            vs->len > 1 ? "them" : disp(((const ViewRef *)LIST_GET(vs, 0))->view));
        const char *fix = arena_printf(
            a,
            "1. in this migration, before the DROP COLUMN: DROP VIEW and CREATE VIEW again without "
            "%s, in one transaction (CREATE OR REPLACE VIEW cannot take a column out of a view)\n"
            "2. then drop the column without CASCADE, so that PostgreSQL refuses it if anything else "
            "still reads it",
            col);
        add(st, act->offset, "column-used-by-view", msg, fix);
        return;
    }
    bool plural = strchr(which, ',') || strstr(which, " and ");
    const char *since = st->in_tx || st->m->tx_mode == TX_WRAPPED
                            ? "the migration stops here and what ran before it in its transaction is rolled back"
                            : "the migration stops here";
    const char *msg =
        drop ? arena_printf(a,
                            "PostgreSQL refuses DROP COLUMN %s of %s: %s read%s it (\"cannot drop column %s "
                            "of table %s because other objects depend on it\", SQLSTATE 2BP01); %s.",
                            col, t, which, plural ? "" : "s", col, bare(act->table), since)
             : arena_printf(a,
                            "PostgreSQL refuses ALTER COLUMN %s TYPE: %s read%s %s.%s (\"cannot alter "
                            "type of a column used by a view or rule\", SQLSTATE 0A000), whatever the "
                            "new type; %s.",
                            col, which, plural ? "" : "s", t, col, since);
    StrBuf fix;
    sb_init(&fix, a);
    int step = 1;
    bool unknown = false;
    for (int i = 0; i < vs->len; i++)
        unknown |= !((const ViewRef *)LIST_GET(vs, i))->definition;
    sb_printf(&fix, "Drop the view%s, %s, and create %s again, all in one transaction: until it "
                    "commits every query on %s and on %s waits (DROP VIEW takes ACCESS EXCLUSIVE "
                    "on each view).\n",
              vs->len > 1 ? "s" : "", drop ? "drop the column" : "change the type",
              vs->len > 1 ? "them" : "it", vs->len > 1 ? "the views" : "the view", t);
    if (unknown)
        sb_printf(&fix, "%d. first read the definition%s zdm does not have: SELECT "
                        "pg_get_viewdef('<view>'::regclass, true);\n",
                  step++, vs->len > 1 ? "s" : "");
    sb_printf(&fix, "%d. note the privileges on %s (\\dp in psql): DROP VIEW drops them\n", step++,
              vs->len > 1 ? "each view" : disp(((const ViewRef *)LIST_GET(vs, 0))->view));
    sb_printf(&fix, "%d. BEGIN; SET LOCAL lock_timeout = '1s';\n", step++);
    sb_printf(&fix, "%d. ", step++);
    for (int i = vs->len - 1; i >= 0; i--) { /* readers first */
        const ViewRef *r = LIST_GET(vs, i);
        sb_printf(&fix, "DROP %sVIEW %s;%s", r->materialized ? "MATERIALIZED " : "", qtab(a, r->view),
                  i ? " " : "\n");
    }
    if (drop)
        sb_printf(&fix, "%d. ALTER TABLE %s DROP COLUMN %s;\n", step++, qt, qi(a, col));
    else
        sb_printf(&fix, "%d. ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s;\n", step++, qt, qi(a, col),
                  act->new_type ? act->new_type : act->detail ? act->detail : "<new type>",
                  act->expr_sql ? " USING " : "", act->expr_sql ? act->expr_sql : "");
    for (int i = 0; i < vs->len; i++) {
        const ViewRef *r = LIST_GET(vs, i);
        if (r->definition && !drop)
            sb_printf(&fix, "%d. %s;  -- as written at %s\n", step++, r->definition, r->defined_at);
        else if (r->definition)
            sb_printf(&fix, "%d. %s;  -- as written at %s, without %s\n", step++, r->definition,
                      r->defined_at, col);
        else
            sb_printf(&fix, "%d. CREATE %sVIEW %s AS <its definition>;%s\n", step++,
                      r->materialized ? "MATERIALIZED " : "", qtab(a, r->view),
                      drop ? arena_printf(a, "  -- without %s", col) : "");
    }
    sb_printf(&fix, "%d. GRANT the privileges noted in step %d again\n", step++, unknown ? 2 : 1);
    sb_printf(&fix, "%d. COMMIT;", step);
    for (int i = 0; i < vs->len; i++)
        if (((const ViewRef *)LIST_GET(vs, i))->materialized) {
            sb_append(&fix, "\nA materialized view is filled again by its CREATE, which reads its "
                            "sources whole while the locks are held.");
            break;
        }
    if (st->m->django)
        sb_printf(&fix, "\nIn Django: the statements between BEGIN and COMMIT in one RunSQL, in place "
                        "of the %s, with state_operations=[the %s]; an atomic migration is "
                        "the transaction.",
                  drop ? "RemoveField" : "AlterField", drop ? "RemoveField" : "AlterField");
    add(st, act->offset, "column-used-by-view", msg, fix.data);
}

/*
 * DROP TABLE or DROP [MATERIALIZED] VIEW of a relation other views read:
 * PostgreSQL refuses it without CASCADE (2BP01, measured on 15, 17 and 18),
 * and with CASCADE drops those views (and their readers) without a word.
 * A rename is no such case: views follow a relation by OID.
 */
static void r_relation_used_by_view(State *st, const Action *act)
{
    Arena *a = st->a;
    const List *vs = &act->views;
    if (!vs->len)
        return;
    const char *what = act->kind == ACT_DROP_TABLE ? "TABLE"
                       : act->detail && strcmp(act->detail, "materialized view") == 0
                           ? "MATERIALIZED VIEW"
                           : "VIEW";
    const char *what_lc = act->kind == ACT_DROP_TABLE ? "table" : act->detail ? act->detail : "view";
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    const char *direct = views_prose(a, vs, true);
    bool plural = strchr(direct, ',') || strstr(direct, " and ");
    int indirect = 0;
    for (int i = 0; i < vs->len; i++)
        indirect += !((const ViewRef *)LIST_GET(vs, i))->direct;
    const char *readers = indirect ? arena_printf(a, ", and %d more view%s read%s %s", indirect,
                                                  indirect > 1 ? "s" : "", indirect > 1 ? "" : "s",
                                                  plural ? "those" : "that view")
                                   : "";
    /* the views dropped first, readers first, then the statement */
    StrBuf drops;
    sb_init(&drops, a);
    for (int i = vs->len - 1; i >= 0; i--) {
        const ViewRef *r = LIST_GET(vs, i);
        sb_printf(&drops, "DROP %sVIEW %s; ", r->materialized ? "MATERIALIZED " : "", qtab(a, r->view));
    }
    if (act->flags & A_CASCADE) {
        int live_views = 0;
        for (int i = 0; i < vs->len; i++)
            live_views += !((const ViewRef *)LIST_GET(vs, i))->new_in_release;
        if (!live_views)
            return; /* views of this release: no code reads them yet */
        const char *msg = arena_printf(
            a,
            "DROP %s %s CASCADE also drops %s: every query on %s fails from then on with "
            "\"relation does not exist\", the old code's included.",
            what, t, views_prose(a, vs, false),
            vs->len > 1 ? "them" : disp(((const ViewRef *)LIST_GET(vs, 0))->view));
        const char *fix = arena_printf(
            a,
            "Name each view this drops, so the migration says what goes:\n"
            "1. first release code that no longer reads %s\n"
            "2. then, in one transaction: %sDROP %s %s; (without CASCADE, so that PostgreSQL "
            "refuses it if anything else still depends on %s)\n"
            "3. a view that must stay: create it again in that transaction, after what it reads "
            "exists again",
            vs->len > 1 ? "those views" : disp(((const ViewRef *)LIST_GET(vs, 0))->view), drops.data,
            what, qt, t);
        if (st->m->django) /* DeleteModel always writes CASCADE */
            fix = arena_printf(a,
                               "%s\nIn Django: a RunSQL(\"%s\", reverse_sql=...) before the "
                               "operation, its reverse_sql creating the view%s again; the "
                               "CASCADE then drops nothing more.",
                               fix, arena_strndup(a, drops.data, drops.len - 1), vs->len > 1 ? "s" : "");
        add(st, act->offset, "relation-used-by-view", msg, fix);
        return;
    }
    const char *since = st->in_tx || st->m->tx_mode == TX_WRAPPED
                            ? "the migration stops here and what ran before it in its transaction is rolled back"
                            : "the migration stops here";
    const char *msg = arena_printf(
        a,
        "PostgreSQL refuses DROP %s %s: %s read%s it%s (\"cannot drop %s %s because other objects "
        "depend on it\", SQLSTATE 2BP01); %s.",
        what, t, direct, plural ? "" : "s", readers, what_lc, bare(act->table), since);
    StrBuf fix;
    sb_init(&fix, a);
    int step = 1;
    bool unknown = false;
    for (int i = 0; i < vs->len; i++)
        unknown |= !((const ViewRef *)LIST_GET(vs, i))->definition;
    sb_append(&fix, vs->len > 1 ? "Drop the views first, in the same transaction; create again those "
                                  "that must stay, once what they read exists again:\n"
                                : "Drop the view first, in the same transaction; create it again if it "
                                  "must stay, once what it reads exists again:\n");
    if (unknown)
        sb_printf(&fix, "%d. read the definition%s zdm does not have: SELECT "
                        "pg_get_viewdef('<view>'::regclass, true);\n",
                  step++, vs->len > 1 ? "s" : "");
    sb_printf(&fix, "%d. note the privileges on %s (\\dp in psql): DROP VIEW drops them\n", step++,
              vs->len > 1 ? "each view" : disp(((const ViewRef *)LIST_GET(vs, 0))->view));
    int noted = step - 1;
    sb_printf(&fix, "%d. BEGIN; SET LOCAL lock_timeout = '1s';\n", step++);
    sb_printf(&fix, "%d. %sDROP %s %s;\n", step++, drops.data, what, qt);
    for (int i = 0; i < vs->len; i++) {
        const ViewRef *r = LIST_GET(vs, i);
        if (r->definition)
            sb_printf(&fix, "%d. if %s stays: %s;  -- as written at %s\n", step++, disp(r->view),
                      r->definition, r->defined_at);
        else
            sb_printf(&fix, "%d. if %s stays: CREATE %sVIEW %s AS <its definition>;\n", step++,
                      disp(r->view), r->materialized ? "MATERIALIZED " : "", qtab(a, r->view));
    }
    sb_printf(&fix, "%d. GRANT the privileges noted in step %d again\n", step++, noted);
    sb_printf(&fix, "%d. COMMIT;\n", step);
    sb_append(&fix, "A view not created again is gone: release code that no longer reads it first.");
    add(st, act->offset, "relation-used-by-view", msg, fix.data);
}

/*
 * PostgreSQL keeps a primary key's columns and identity columns NOT NULL:
 * DROP NOT NULL of one (and, on 18, DROP CONSTRAINT of its not-null
 * constraint) is refused, 42P16 for a key, 42601 or 55000 for an identity.
 * The replay marks the action with the reason.
 */
static void r_not_null_required(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!act->detail || !act->table)
        return;
    if (act->kind == ACT_ADD_IDENTITY) { /* detail "not null first" */
        const char *col = act->column ? act->column : "?";
        add(st, act->offset, "not-null-required",
            arena_printf(a, "ALTER COLUMN %s ADD GENERATED ... AS IDENTITY on %s fails: %s may hold NULL, and "
                            "PostgreSQL makes an identity column only of a NOT NULL one (55000); the migration "
                            "stops there",
                         col, disp(act->table), col),
            arena_printf(a, "Make it NOT NULL in the same ALTER TABLE: ALTER COLUMN %s SET NOT NULL, ALTER COLUMN "
                            "%s ADD GENERATED ... AS IDENTITY. SET NOT NULL scans the table under ACCESS "
                            "EXCLUSIVE: on a large live table first ADD CONSTRAINT ... CHECK (%s IS NOT NULL) NOT "
                            "VALID and VALIDATE it (in its own transaction), so that SET NOT NULL skips the scan.",
                         col, col, col));
        return;
    }
    bool key = strcmp(act->detail, "primary key") == 0;
    const char *what = act->kind == ACT_DROP_CONSTRAINT
                           ? arena_printf(a, "DROP CONSTRAINT %s", act->column ? act->column : "?")
                           : arena_printf(a, "ALTER COLUMN %s DROP NOT NULL", act->column ? act->column : "?");
    const char *msg = arena_printf(
        a, "%s on %s fails: the column is %s, which PostgreSQL keeps NOT NULL (%s); the migration "
           "stops there, and a runner that wraps the file in a transaction rolls back what came before",
        what, disp(act->table), key ? "in the primary key" : "an identity column",
        key ? "42P16" : act->kind == ACT_DROP_CONSTRAINT ? "55000" : "42601");
    const char *fix =
        key ? "A primary key column cannot hold NULL. To make it nullable, first replace the key: add a UNIQUE "
              "constraint on the same columns (built with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT "
              "... UNIQUE USING INDEX), then DROP CONSTRAINT the primary key, then DROP NOT NULL; mind the foreign "
              "keys that reference the key."
            : "Drop the identity first, in the same ALTER TABLE: ALTER COLUMN ... DROP IDENTITY, ALTER COLUMN ... "
              "DROP NOT NULL; the INSERTs that leave the column out then write NULL there, so give it a default if "
              "they must go on numbering it.";
    add(st, act->offset, "not-null-required", msg, fix);
}

static void r_rename_column(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || created_in_release(st, ACT_ADD_COLUMN, act->table, act->column))
        return;
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    const char *old = act->column ? act->column : "?";
    const char *neu = act->detail ? act->detail : "?";
    const char *msg = arena_printf(
        a,
        "RENAME COLUMN %s.%s TO %s breaks the code that still uses %s: from the moment it "
        "runs, every query of the old code naming %s fails with \"column does not exist\"; "
        "before it runs, the new code's queries naming %s fail. No deploy order avoids both.",
        t, old, neu, old, old, neu);
    StrBuf fix;
    sb_init(&fix, a);
    sb_printf(&fix, "In Django, keep the database name: rename the field but set "
                    "db_column='%s' on it, and no SQL runs.\n", old);
    sb_append(&fix, "Otherwise expand and contract over two releases:\n");
    int step = 1;
    sb_printf(&fix, "%d. release 1, before its deploy: ALTER TABLE %s ADD COLUMN %s %s; "
                    "and the code writes both columns\n", step++, qt, qi(a, neu),
              act->col_type ? act->col_type : arena_printf(a, "<type of %s>", old));
    sb_printf(&fix, "%d. backfill outside the migration: %s\n", step++,
              backfill_cmd(a, act->table, arena_printf(a, "%s = %s", qi(a, neu), qi(a, old)),
                           arena_printf(a, "%s IS NULL", qi(a, neu))));
    if (act->flags & A_PRIMARY_KEY)
        fix_handover_key(st, &fix, step++, act->table, old, neu, "release 2");
    else if (act->col_not_null && !act->col_has_default)
        fix_handover_not_null(st, &fix, step++, act->table, old, neu, "release 2");
    sb_printf(&fix, "%d. release 2: the code reads and writes %s only\n", step++, neu);
    sb_printf(&fix, "%d. after release 2 is deployed: ALTER TABLE %s DROP COLUMN %s;", step, qt,
              qi(a, old));
    add(st, act->offset, "rename-column", msg, fix.data);
}

/* "schema.new" of a RENAME TO: the new name lives in the old one's schema. */
static const char *renamed_to(Arena *a, const Action *act)
{
    const char *neu = act->detail ? act->detail : "?";
    return act->table && strchr(act->table, '.') && !strchr(neu, '.')
               ? arena_printf(a, "%.*s.%s", (int)(strchr(act->table, '.') - act->table), act->table, neu)
               : neu;
}

/*
 * A table rebuilt under its own name (authelia, River): RENAME t TO backup,
 * CREATE TABLE t anew, INSERT INTO t SELECT ... FROM backup, DROP TABLE
 * backup, in one migration. The name t is back before the transaction ends,
 * so the old code's queries never meet a missing relation (whether the new
 * table suits them is the compatibility checks' business), and the backup
 * the migration drops is a name no code used, whose rows it copied.
 */

/* Is table created again after act, in this statement or a later one of
 * the transaction? */
static bool created_again(const State *st, const Action *act)
{
    bool after = false;
    for (int k = st->s->index; k < st->m->nstmts; k++) {
        const Statement *s = st->m->stmts[k];
        for (int j = 0; s->fx && j < s->fx->actions.len; j++) {
            const Action *x = LIST_GET(&s->fx->actions, j);
            if (x == act) {
                after = true;
                continue;
            }
            if (!after)
                continue;
            if (x->kind == ACT_COMMIT || x->kind == ACT_ROLLBACK)
                return false;
            if (x->kind == ACT_CREATE_TABLE && util_streq(x->table, act->table))
                return true;
        }
    }
    return false;
}

/* Is the table drop drops the backup of such a rebuild: renamed from a
 * name this migration then created again and filled by a query? */
static bool rebuild_backup(const State *st, const Action *drop)
{
    const char *old = NULL;
    bool created = false;
    for (int k = 0; k <= st->s->index && k < st->m->nstmts; k++) {
        const Statement *s = st->m->stmts[k];
        for (int j = 0; s->fx && j < s->fx->actions.len; j++) {
            const Action *x = LIST_GET(&s->fx->actions, j);
            if (x == drop)
                return false;
            if (x->kind == ACT_RENAME_TABLE && util_streq(renamed_to(st->a, x), drop->table)) {
                old = x->table;
                created = false;
            } else if (old && x->kind == ACT_CREATE_TABLE && util_streq(x->table, old)) {
                created = true;
            } else if (old && created && x->kind == ACT_INSERT && (x->flags & A_QUERY) &&
                       util_streq(x->table, old)) {
                return true; /* filled by a query: the backup's rows, copied */
            }
        }
    }
    return false;
}

static void r_rename_table(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || later_in_transaction(st, ACT_CREATE_VIEW, act->table) || created_again(st, act))
        return; /* the old name lives on, as a view or as the table rebuilt: the old code goes on */

    const char *t = disp(act->table);
    const char *newqual = renamed_to(a, act);
    const char *msg = arena_printf(
        a,
        "ALTER TABLE %s RENAME TO %s breaks the code that still uses %s: from the moment it runs, every "
        "query of the old code on %s fails with \"relation does not exist\"; before it runs, "
        "the new code's queries on %s fail.",
        t, disp(newqual), t, t, disp(newqual));
    StrBuf fix;
    sb_init(&fix, a);
    sb_printf(&fix, "In Django, keep the database name: rename the model but set "
                    "db_table = '%s' in its Meta, and no SQL runs.\n", bare(act->table));
    sb_append(&fix, "Otherwise leave a view behind for the old code:\n");
    sb_printf(&fix, "1. in one transaction: ALTER TABLE %s RENAME TO %s; CREATE VIEW %s AS "
                    "SELECT * FROM %s;  -- a simple view is updatable: the old code's reads "
                    "and writes go on through it\n",
              qtab(a, act->table), qi(a, bare(newqual)), qtab(a, act->table), qtab(a, newqual));
    sb_append(&fix, "2. deploy the code that uses the new name\n");
    sb_printf(&fix, "3. after the deploy: DROP VIEW %s;", qtab(a, act->table));
    add(st, act->offset, "rename-table", msg, fix.data);
}

static void r_rename_enum_value(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || created_in_release(st, ACT_CREATE_ENUM, act->table, NULL))
        return;
    const char *ty = disp(act->table);
    const char *old = act->column ? act->column : "?";
    const char *neu = act->detail ? act->detail : "?";
    const char *msg = arena_printf(
        a,
        "RENAME VALUE %s TO %s on type %s breaks the code still running: from the moment it "
        "runs, every write of %s by the old code fails with \"invalid input value for enum\", "
        "and its reads get a value it does not know.",
        ql(a, old), ql(a, neu), ty, ql(a, old));
    StrBuf fix;
    sb_init(&fix, a);
    sb_printf(&fix, "1. release 1: ALTER TYPE %s ADD VALUE %s; and code that reads both values "
                    "and writes %s\n", qtab(a, act->table), ql(a, neu), ql(a, neu));
    sb_printf(&fix, "2. backfill each column of type %s outside the migration: zdm backfill "
                    "<table> %s %s\n",
              ty, arena_printf(a, "--set %s", shq(a, arena_printf(a, "<column> = %s", ql(a, neu)), true)),
              arena_printf(a, "--where %s", shq(a, arena_printf(a, "<column> = %s", ql(a, old)), true)));
    sb_printf(&fix, "3. leave %s unused in the type: PostgreSQL cannot drop an enum value", ql(a, old));
    add(st, act->offset, "rename-enum-value", msg, fix.data);
}

static void r_drop_column(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || created_in_release(st, ACT_ADD_COLUMN, act->table, act->column))
        return;
    const char *t = disp(act->table);
    const char *col = act->column ? act->column : "?";
    const char *msg = arena_printf(
        a,
        "DROP COLUMN %s.%s deletes the column and its data for good, and every query that "
        "still names %s fails with \"column does not exist\": the old code does until the new "
        "release is deployed everywhere.",
        t, col, col);
    StrBuf fix;
    sb_init(&fix, a);
    int step = 1;
    if (act->flags & A_PRIMARY_KEY)
        sb_printf(&fix,
                  "%d. before the deploy, give %s another primary key: %s is part of it, DROP "
                  "NOT NULL fails on it and DROP COLUMN takes the key along (CREATE UNIQUE INDEX "
                  "CONCURRENTLY on the new key's columns, then ALTER TABLE %s DROP CONSTRAINT <its "
                  "primary key>, ADD PRIMARY KEY USING INDEX <that index>)\n",
                  step++, t, col, qtab(a, act->table));
    else if (act->col_not_null && !act->col_has_default)
        sb_printf(&fix,
                  "%d. before the deploy: ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;  -- "
                  "the new code's INSERTs no longer set %s (in Django: null=True on the field, "
                  "in a migration that runs before the deploy)\n",
                  step++, qtab(a, act->table), qi(a, col), col);
    sb_printf(&fix, "%d. release code that no longer reads or writes %s (in Django: remove the "
                    "field)\n", step++, col);
    sb_printf(&fix, "%d. run this DROP COLUMN only after that release is deployed everywhere: "
                    "zdm plan places it after the deploy\n", step++);
    sb_printf(&fix, "%d. keep a copy of the data if it may be needed: the drop cannot be undone",
              step);
    add(st, act->offset, "drop-column", msg, fix.data);
}

static void r_drop_table(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || rebuild_backup(st, act))
        return;
    const char *t = disp(act->table);
    const char *msg = arena_printf(
        a,
        "DROP TABLE %s deletes the table and all its rows for good, and every query that "
        "still uses %s fails with \"relation does not exist\": the old code does until the "
        "new release is deployed everywhere.",
        t, t);
    const char *fix = arena_printf(
        a,
        "1. first release code that no longer uses %s (in Django: delete the model)\n"
        "2. run this DROP TABLE only after that release is deployed everywhere: zdm plan "
        "places it after the deploy\n"
        "3. keep a copy of the data if it may be needed: the drop cannot be undone",
        t);
    add(st, act->offset, "drop-table", msg, fix);
}

static void r_drop_schema(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || created_in_release(st, ACT_CREATE_SCHEMA, act->table, NULL))
        return;
    const char *sch = act->table ? act->table : "?";
    bool cascade = (act->flags & A_CASCADE) != 0;
    const char *msg =
        cascade ? arena_printf(a,
                               "DROP SCHEMA %s CASCADE deletes every table, view, sequence, "
                               "function and type in %s with all their data; every query of "
                               "the old or the new code on any of them fails.",
                               sch, sch)
                : arena_printf(a,
                               "DROP SCHEMA %s fails unless %s is empty, and with CASCADE it "
                               "would delete everything in it with all the data; every query "
                               "on those objects fails.",
                               sch, sch);
    const char *fix = arena_printf(
        a,
        "1. drop what %s holds one object at a time, each after the code stopped using it "
        "(DROP TABLE … after the deploy)\n"
        "2. then DROP SCHEMA %s; without CASCADE: it fails if anything is left",
        sch, qi(a, sch));
    add(st, act->offset, "drop-schema", msg, fix);
}

static void r_drop_database(State *st, const Action *act)
{
    Arena *a = st->a;
    const char *db = act->table ? act->table : "?";
    const char *msg = arena_printf(
        a,
        "DROP DATABASE %s in a migration deletes a whole database and everything in it; it "
        "also cannot run inside a transaction block and fails while any session is connected "
        "to it.",
        db);
    const char *fix = "Do not drop databases from migrations: do it by hand, after a backup, "
                      "once no application connects to it.";
    add(st, act->offset, "drop-database", msg, fix);
}

static void r_drop_constraint(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act) || created_in_release(st, ACT_ADD_CONSTRAINT, act->table, act->column))
        return;
    const char *t = disp(act->table);
    const char *name = act->column ? act->column : "?";
    const char *what;
    switch (act->contype) {
    case CON_PRIMARY:
    case CON_UNIQUE:
        what = "also drops its unique index: duplicate values can be written from then on, "
               "queries that used the index slow down, and INSERT … ON CONFLICT on its "
               "columns fails";
        break;
    case CON_FOREIGN:
        what = arena_printf(a, "lets rows of %s point at rows of %s that do not exist, and "
                               "its ON DELETE action stops",
                            t, act->ref_table ? disp(act->ref_table) : "the referenced table");
        break;
    case CON_CHECK: what = "lets in the rows its CHECK rejected"; break;
    case CON_EXCLUDE: what = "also drops its index, and overlapping rows can be written"; break;
    default: what = "lets in the rows it used to reject"; break;
    }
    const char *msg = arena_printf(a, "DROP CONSTRAINT %s on %s %s.", name, t, what);
    const char *fix =
        (act->contype == CON_PRIMARY || act->contype == CON_UNIQUE)
            ? "Make sure neither the old nor the new code relies on it (ON CONFLICT on its "
              "columns, a unique violation it catches, lookups that need the index); if the old "
              "code does, drop it after the deploy."
            : "Make sure neither the old nor the new code relies on the database rejecting "
              "those rows; if the old code does, drop it after the deploy.";
    add(st, act->offset, "drop-constraint", msg, fix);
}

static void r_truncate(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act))
        return;
    const char *t = disp(act->table);
    const char *msg = arena_printf(
        a,
        "TRUNCATE %s deletes every row of a live table at once, under ACCESS EXCLUSIVE: the "
        "data is gone for the old and the new code alike, and every query on %s waits for the "
        "lock.",
        t, t);
    const char *fix = arena_printf(
        a,
        "1. if %s is no longer used: release code that stops using it, then DROP TABLE %s; "
        "after the deploy\n"
        "2. if only some rows must go: delete them in keyed batches outside the migration, "
        "each batch committed on its own",
        t, qtab(a, act->table));
    add(st, act->offset, "truncate", msg, fix);
}

static void r_rewrite_command(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!live(act))
        return;
    const char *t = disp(act->table);
    const char *what, *fix;
    switch (act->kind) {
    case ACT_VACUUM_FULL:
        what = arena_printf(a, "VACUUM FULL %s", t);
        fix = "Do not run it in a migration: plain VACUUM (without FULL) makes the space "
              "reusable without blocking reads or writes; to shrink the table online use "
              "pg_repack (or pg_squeeze) outside the migration.";
        break;
    case ACT_CLUSTER:
        what = arena_printf(a, "CLUSTER %s", t);
        fix = "Do not run it in a migration: pg_repack --order-by reorders the table online, "
              "outside the migration.";
        break;
    case ACT_SET_TABLESPACE:
        what = arena_printf(a, "SET TABLESPACE on %s", t);
        fix = "Do not run it in a migration: pg_repack --tablespace moves the table online, "
              "outside the migration.";
        break;
    default:
        what = arena_printf(a, "%s on %s", act->detail ? act->detail : "This command", t);
        fix = "Do not run it in a migration on a live table: do it in a maintenance window, "
              "or with pg_repack where it applies.";
        break;
    }
    const char *msg = arena_printf(
        a,
        "%s rewrites the whole table and its indexes under ACCESS EXCLUSIVE: every query on "
        "%s, reads included, waits until it ends (minutes on a large table).",
        what, t);
    add(st, act->offset, "table-rewrite-command", msg, fix);
}

static void r_whole_table_dml(State *st, const Action *act)
{
    Arena *a = st->a;
    if (!(act->flags & A_NO_WHERE) || !live(act))
        return;
    const char *t = disp(act->table);
    const char *qt = qtab(a, act->table);
    bool upd = act->kind == ACT_UPDATE;
    const char *msg =
        upd ? arena_printf(a,
                           "UPDATE of every row of %s in one statement: it locks each row it "
                           "changes until the transaction commits, so the code's own writes to "
                           "those rows wait, and it writes a new version of every row at once "
                           "(table bloat, WAL volume, replica lag).",
                           t)
            : arena_printf(a,
                           "DELETE of every row of %s in one statement: it locks each row it "
                           "deletes until the transaction commits, so the code's own updates "
                           "of those rows wait, and it kills every row at once (WAL volume, "
                           "replica lag, a long vacuum).",
                           t);
    StrBuf fix;
    sb_init(&fix, a);
    if (upd) {
        /* the SET list, for the backfill command; for one "col = expr", the rows
         * still to change are those that differ */
        const char *set = act->set_sql;
        const char *where = act->col_sql ? arena_printf(a, "%s IS DISTINCT FROM %s", act->col_sql,
                                                        act->expr_sql)
                                         : NULL;
        sb_printf(&fix,
                  "1. take it out of the migration and backfill in keyed batches, each "
                  "committed on its own: %s\n",
                  backfill_cmd(a, act->table, set ? set : "<column> = <value>",
                               where ? where : "<rows still to change>"));
    } else {
        sb_printf(&fix,
                  "1. take it out of the migration and delete in batches, each committed on "
                  "its own: DELETE FROM %s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s LIMIT "
                  "10000)); repeated until it deletes nothing\n",
                  qt, qt);
    }
    sb_append(&fix, "2. in Django: a management command instead of RunPython, run after the "
                    "migration");
    add(st, act->offset, "whole-table-dml", msg, fix.data);
}

/*
 * ALTER TYPE ... ADD VALUE and the transaction around it. From PostgreSQL 12
 * the statement runs in a transaction, but the value may not be read as the
 * type before that transaction commits (55P04, "unsafe use of new value"),
 * unless the type itself is that transaction's (PostgreSQL 17 and later;
 * measured: 15 refuses, 17 and 18 allow). Which statements share a
 * transaction is the runner's business as much as the file's: see
 * runner_wraps.
 */
typedef struct NewValue {
    const char *type, *value;
    int line;
    const Statement *begin; /* the file's BEGIN it was added after, NULL outside one */
    bool reported; /* the first use fails the migration: one finding says it */
} NewValue;

/* Does the runner run the whole file in one transaction, outside its own
 * BEGIN … COMMIT? goose, dbmate, popx, Atlas and Flyway do (Migration.tx_mode),
 * and so does zdm migrate with a plain SQL file: it runs the file in one
 * transaction, its BEGIN and COMMIT left out (then *zdm is set). Django's
 * atomic migrations carry their BEGIN in the SQL. */
static bool runner_wraps(const Migration *m, bool *zdm)
{
    *zdm = false;
    if (m->no_transaction || m->tx_mode == TX_NONE)
        return false;
    if (m->tx_mode == TX_WRAPPED || m->tx_mode == TX_DETECT)
        return true;
    *zdm = !m->django;
    return *zdm;
}

/* Forgets the values and types of the transaction that ended (ended: a
 * COMMIT or ROLLBACK the runner keeps, or a statement run alone). */
static void values_committed(State *st)
{
    st->new_values = (List){0};
    st->new_types = (List){0};
}

static void on_add_value(State *st, const Action *act)
{
    bool zdm;
    if (!act->detail || (!st->in_tx && !runner_wraps(st->m, &zdm)))
        return; /* committed at once: usable from the next statement on */
    NewValue *v = arena_alloc(st->a, sizeof *v);
    v->type = act->table;
    v->value = act->detail;
    v->line = st->s->line;
    v->begin = st->in_tx ? st->tx_begin : NULL;
    list_push(st->a, &st->new_values, v);
}

static void r_enum_value_in_tx(State *st, const Action *act)
{
    Arena *a = st->a;
    const Migration *m = st->m;
    NewValue *v = NULL;
    for (int i = 0; i < st->new_values.len; i++) {
        NewValue *x = LIST_GET(&st->new_values, i);
        if (util_streq(x->type, act->table) && util_streq(x->value, act->detail))
            v = x;
    }
    if (!v || v->reported)
        return;
    if (st->plan->pg_version >= 17)
        for (int i = 0; i < st->new_types.len; i++)
            if (util_streq(LIST_GET(&st->new_types, i), act->table))
                return; /* the type is this transaction's too: allowed from 17 */
    bool zdm;
    bool wraps = runner_wraps(m, &zdm);
    const char *val = ql(a, v->value);
    const char *type = disp(v->type);
    const char *since =
        st->in_tx && v->begin == st->tx_begin
            ? arena_printf(a, "the migration fails here and everything since the BEGIN at line %d is "
                              "rolled back", v->begin ? v->begin->line : 0)
        : zdm ? "zdm migrate runs the whole file in one transaction (its own BEGIN and COMMIT left out), "
                "so the migration fails here and nothing of it is applied"
              : arena_printf(a, "%s runs the file in one transaction, so the migration fails here and "
                                "nothing of it is applied", m->tx_runner ? m->tx_runner : "its runner");
    const char *msg = arena_printf(
        a,
        "%s is read here as a value of %s, which ALTER TYPE ... ADD VALUE added at line %d in the same "
        "transaction: PostgreSQL refuses it until that transaction commits (\"unsafe use of new value "
        "%s of enum type %s\", SQLSTATE 55P04), even with no row to write; %s.",
        val, type, v->line, arena_printf(a, "\"%s\"", v->value), bare(v->type), since);
    StrBuf fix;
    sb_init(&fix, a);
    sb_printf(&fix, "Commit the new value before anything uses it:\n");
    if (m->django)
        sb_printf(&fix, "1. move the RunSQL with ALTER TYPE %s ADD VALUE %s into a migration of its "
                        "own, before this one (each migration commits before the next), or set "
                        "atomic = False on this migration so that each operation commits on its own\n",
                  qtab(a, v->type), val);
    else if (wraps)
        sb_printf(&fix, "1. move ALTER TYPE %s ADD VALUE %s into a migration of its own, before this "
                        "one: the runner commits each migration before it starts the next%s\n",
                  qtab(a, v->type), val,
                  !zdm && m->tx_optout ? arena_printf(a, " (or run this file outside a transaction: %s)",
                                                      m->tx_optout)
                                       : "");
    else
        sb_printf(&fix, "1. COMMIT right after ALTER TYPE %s ADD VALUE %s (line %d), and use the value "
                        "in a later transaction, or in a migration of its own that runs after it\n",
                  qtab(a, v->type), val, v->line);
    sb_printf(&fix, "2. write it ALTER TYPE %s ADD VALUE IF NOT EXISTS %s, so that running it again "
                    "is harmless", qtab(a, v->type), val);
    add(st, act->offset, "enum-value-in-transaction", msg, fix.data);
    v->reported = true;
}

static void r_not_analysed(State *st, const Action *act)
{
    Arena *a = st->a;
    const char *what = act->detail ? act->detail : "statement";
    const char *msg = arena_printf(
        a,
        "zdm cannot analyse this %s: it could not see its locks or schema changes, so no "
        "rule and no deploy placement accounts for them; a long lock or a change that breaks "
        "the old code would go unreported.",
        what);
    const char *fix =
        "1. review it by hand: which tables it locks, for how long, and what it changes\n"
        "2. then acknowledge it on the statement: -- zdm:allow not-analysed <reason>\n"
        "or express it as plain DDL that zdm can read";
    add(st, act->offset, "not-analysed", msg, fix);
}

static const char *object_word(ActionKind k)
{
    switch (k) {
    case ACT_DROP_INDEX:
    case ACT_REINDEX:
    case ACT_RENAME_INDEX: return "index";
    case ACT_ADD_ENUM_VALUE:
    case ACT_RENAME_ENUM_VALUE:
    case ACT_DROP_TYPE: return "type";
    case ACT_DROP_VIEW: return "view";
    case ACT_DROP_SEQUENCE:
    case ACT_ALTER_SEQUENCE: return "sequence";
    case ACT_DROP_SCHEMA: return "schema";
    default: return "table";
    }
}

/* A system catalog or view: PostgreSQL creates it with every database, so no
 * migration ever does. An unqualified pg_ name is one too, since pg_catalog
 * comes first on every search_path. */
static bool system_object(const char *qualified)
{
    if (!qualified)
        return false;
    if (strncmp(qualified, "pg_catalog.", 11) == 0 || strncmp(qualified, "information_schema.", 19) == 0)
        return true;
    const char *dot = strchr(qualified, '.');
    const char *name = dot ? dot + 1 : qualified;
    return strncmp(name, "pg_", 3) == 0 && (!dot || strncmp(qualified, "public.", 7) == 0);
}

static void r_unknown_object(State *st, const Action *act)
{
    Arena *a = st->a;
    if (system_object(act->table))
        return;
    const char *word = object_word(act->kind);
    const char *name = act->table;
    if (strcmp(word, "index") == 0 && act->kind != ACT_DROP_INDEX && act->column)
        name = act->column;
    if (act->kind == ACT_DROP_CONSTRAINT && act->column) {
        /* the constraint, or its table, was never seen: either way the constraint */
        word = "constraint";
        name = arena_printf(a, "%s on %s", act->column, disp(act->table));
    }
    if (!name)
        return;
    const char *key = arena_printf(a, "%s %s", word, name);
    for (int i = 0; i < st->unknown_seen.len; i++)
        if (strcmp(LIST_GET(&st->unknown_seen, i), key) == 0)
            return;
    list_push(a, &st->unknown_seen, (void *)key);
    bool rel = strcmp(word, "table") == 0;
    if (strcmp(word, "constraint") == 0) {
        add(st, -1, "unknown-object",
                   arena_printf(a, "constraint %s was never created in the history zdm read; "
                                   "zdm takes it as existing.", name),
                   arena_printf(a, "If the name is a typo, fix it: PostgreSQL would fail with "
                                   "\"does not exist\" (or use DROP CONSTRAINT IF EXISTS). If "
                                   "it comes from outside these migrations, nothing to do: "
                                   "acknowledge it with -- zdm:allow unknown-object <reason>."));
        return;
    }
    const char *msg = arena_printf(
        a,
        "%s %s was never created in the history zdm read; zdm takes it as existing%s.",
        word, disp(name), rel ? " (live, with rows)" : "");
    const char *fix = arena_printf(
        a,
        "If the name is a typo, fix it: PostgreSQL would fail with \"does not exist\". If %s "
        "comes from outside these migrations (an older history, another app), nothing to do: "
        "acknowledge it with -- zdm:allow unknown-object <reason>, or give zdm the migrations "
        "that create it.",
        disp(name));
    add(st, -1, "unknown-object", msg, fix);
}

/* ------------------------------------------------------------------------ */
/* Transactions and session settings                                         */
/* ------------------------------------------------------------------------ */

static void on_begin(State *st)
{
    Arena *a = st->a;
    if (st->in_tx) {
        const char *msg = arena_printf(
            a,
            "BEGIN inside the transaction opened at line %d: PostgreSQL ignores it (\"there is "
            "already a transaction in progress\"), so the first COMMIT ends both, and what "
            "follows it runs outside any transaction.",
            st->tx_begin ? st->tx_begin->line : 0);
        add(st, -1, "unbalanced-transaction", msg,
            "Remove this BEGIN, or COMMIT the first transaction before it.");
        st->stray_commits++;
        return;
    }
    st->in_tx = true;
    st->tx_begin = st->s;
    st->lt_session_at_begin = st->lt_session;
    st->lt_local = -1;
    tx_reset(st);
}

static void on_end(State *st, bool rollback)
{
    Arena *a = st->a;
    if (!st->in_tx) {
        if (st->stray_commits > 0) {
            st->stray_commits--; /* the nested BEGIN was reported */
            return;
        }
        const char *what = rollback ? "ROLLBACK" : "COMMIT";
        const char *msg = arena_printf(
            a,
            "%s with no transaction open: PostgreSQL only warns, but the statements before "
            "it each ran in a transaction of their own; if they were meant to succeed or fail "
            "together, they do not.",
            what);
        add(st, -1, "unbalanced-transaction", msg,
            arena_printf(a, "Add BEGIN; where the transaction should start, or remove this %s.",
                         what));
        return;
    }
    st->in_tx = false;
    if (rollback)
        st->lt_session = st->lt_session_at_begin;
    st->lt_local = -1;
    tx_reset(st);
    bool zdm;
    runner_wraps(st->m, &zdm);
    if (!zdm) /* zdm migrate leaves the file's COMMIT out: its transaction goes on */
        values_committed(st);
}

static void on_set_lock_timeout(State *st, const Action *act)
{
    bool on = !(act->flags & A_ZERO);
    if ((act->flags & A_LOCAL) && st->in_tx)
        st->lt_local = on ? 1 : 0;
    else if (act->flags & A_LOCAL)
        /* Outside BEGIN … COMMIT a SET LOCAL only lasts if the runner wraps the
         * migration in a transaction (Django, Flyway, dbmate do); take it so. */
        st->lt_session = on;
    else
        st->lt_session = on;
}

/* ------------------------------------------------------------------------ */
/* Statement-wide rules                                                      */
/* ------------------------------------------------------------------------ */

static bool is_control(ActionKind k)
{
    return k == ACT_BEGIN || k == ACT_COMMIT || k == ACT_ROLLBACK ||
           k == ACT_SET_LOCK_TIMEOUT || k == ACT_SET_STATEMENT_TIMEOUT || k == ACT_SET_OTHER;
}

static void check_lock_timeout(State *st, const Action *act)
{
    Arena *a = st->a;
    if (st->lt_reported || lock_timeout_on(st) || !act->table || !live(act) ||
        act->lock < LOCK_SHARE)
        return;
    /* SHARE UPDATE EXCLUSIVE and weaker conflict with neither reads nor writes:
     * nothing queues behind them. */
    st->lt_reported = true;
    const char *t = disp(act->table);
    if (act->kind == ACT_DROP_INDEX && (act->flags & A_ASSUMED))
        t = arena_printf(a, "the table of %s", disp(act->table)); /* table holds the index */
    const char *whom =
        act->lock == LOCK_ACCESS_EXCLUSIVE
            ? arena_printf(a, "every query on %s that arrives after it, reads included, queues "
                              "behind it — %s is effectively down until it gets the lock",
                           t, t)
            : arena_printf(a, "every INSERT, UPDATE and DELETE on %s that arrives after it "
                              "queues behind it — writes to %s stop until it gets the lock",
                           t, t);
    const char *msg = arena_printf(
        a,
        "This statement needs %s lock on %s and no lock_timeout is set: it waits behind any "
        "long-running query holding a conflicting lock, and %s.",
        a_lock(a, act->lock), t, whom);
    const char *fix =
        "1. SET lock_timeout = '1s'; at the top of the migration (SET LOCAL lock_timeout = "
        "'1s'; right after BEGIN)\n"
        "2. if it gives up, nothing has changed: run it again later; zdm migrate sets "
        "lock_timeout and retries for you\n"
        "In Django: migrations.RunSQL(\"SET lock_timeout = '1s'\", migrations.RunSQL.noop) "
        "as the migration's first operation";
    add(st, -1, "lock-timeout-missing", msg, fix);
}

static const char *cost_words(Arena *a, Cost c, const char *table)
{
    const char *t = table ? disp(table) : "a table";
    switch (c) {
    case COST_SCAN: return arena_printf(a, "scans %s", t);
    case COST_ROWS: return arena_printf(a, "writes rows of %s", t);
    case COST_INDEX: return arena_printf(a, "builds an index on %s", t);
    case COST_REWRITE: return arena_printf(a, "rewrites %s", t);
    default: return "runs";
    }
}

static void check_after_access_exclusive(State *st, Cost cost, const char *costly)
{
    Arena *a = st->a;
    if (!st->in_tx || st->sae_reported || cost < COST_SCAN)
        return;
    StrBuf held;
    sb_init(&held, a);
    int n = 0;
    const Held *first = NULL;
    for (int i = 0; i < st->held.len; i++) {
        const Held *h = LIST_GET(&st->held, i);
        if (h->ae_stmt < 0 || h->ae_stmt >= st->s->index)
            continue;
        if (n++)
            sb_append(&held, " and ");
        sb_printf(&held, "%s (line %d)", disp(h->table), h->ae_line);
        if (!first)
            first = h;
    }
    if (!first)
        return;
    st->sae_reported = true;
    const char *msg = arena_printf(
        a,
        "This statement %s while the transaction still holds ACCESS EXCLUSIVE on %s: every "
        "query on %s, reads included, waits until the COMMIT, for the whole duration of this "
        "statement.",
        cost_words(a, cost, costly), held.data, n > 1 ? "those tables" : disp(first->table));
    const char *fix = arena_printf(
        a,
        "1. COMMIT right after the statement at line %d, so its lock is released at once\n"
        "2. run this statement in a transaction of its own: after that COMMIT, or in a later "
        "migration (in Django: a separate migration)\n"
        "or, if both must share the transaction, run this statement first and the one at "
        "line %d last, just before COMMIT",
        first->ae_line, first->ae_line);
    add(st, -1, "statements-after-access-exclusive", msg, fix);
}

/* ------------------------------------------------------------------------ */

static void check_statement(State *st)
{
    const Statement *s = st->s;
    if (!s->fx)
        return;
    const List *acts = &s->fx->actions;

    /* The statement's cost on live tables (what keeps earlier locks waiting). */
    Cost live_cost = COST_NONE;
    const char *costly = NULL; /* the table of the costliest action */
    bool validates_held = false;
    for (int i = 0; i < acts->len; i++) {
        const Action *act = LIST_GET(acts, i);
        if (is_control(act->kind) || !live(act))
            continue;
        if (act->kind == ACT_INSERT && !(act->flags & A_QUERY))
            continue; /* INSERT ... VALUES: as many rows as the statement spells out */
        if (act->cost > live_cost) {
            live_cost = act->cost;
            costly = act->table;
        }
        if (act->kind == ACT_VALIDATE_CONSTRAINT) {
            const Held *h = held_find(st, act->table);
            if (h && h->mode >= LOCK_SHARE)
                validates_held = true;
        }
        if (act->flags & A_CONCURRENT)
            validates_held = true; /* fails in a transaction: concurrently-in-transaction */
    }
    /* validate-in-same-transaction and concurrently-in-transaction say it better */
    if (!validates_held)
        check_after_access_exclusive(st, live_cost, costly);

    for (int i = 0; i < acts->len; i++) {
        const Action *act = LIST_GET(acts, i);
        if (act->flags & A_ASSUMED)
            r_unknown_object(st, act);
        r_concurrent_in_tx(st, act);
        switch (act->kind) {
        case ACT_BEGIN: on_begin(st); break;
        case ACT_COMMIT: on_end(st, false); break;
        case ACT_ROLLBACK: on_end(st, true); break;
        case ACT_SET_LOCK_TIMEOUT: on_set_lock_timeout(st, act); break;
        case ACT_CREATE_INDEX: r_create_index(st, act); break;
        case ACT_DROP_INDEX: r_drop_index(st, act); break;
        case ACT_REINDEX: r_reindex(st, act); break;
        case ACT_ADD_CONSTRAINT: r_add_constraint(st, act); break;
        case ACT_VALIDATE_CONSTRAINT: r_validate(st, act); break;
        case ACT_SET_NOT_NULL: r_set_not_null(st, act); break;
        case ACT_ADD_COLUMN: r_add_column(st, act); break;
        case ACT_ALTER_TYPE:
            r_column_used_by_view(st, act);
            r_alter_type(st, act);
            break;
        case ACT_RENAME_COLUMN: r_rename_column(st, act); break;
        case ACT_RENAME_TABLE: r_rename_table(st, act); break;
        case ACT_RENAME_ENUM_VALUE: r_rename_enum_value(st, act); break;
        case ACT_DROP_COLUMN:
            r_column_used_by_view(st, act);
            r_drop_column(st, act);
            break;
        case ACT_DROP_TABLE:
            r_relation_used_by_view(st, act);
            r_drop_table(st, act);
            break;
        case ACT_DROP_VIEW: r_relation_used_by_view(st, act); break;
        case ACT_DROP_SCHEMA: r_drop_schema(st, act); break;
        case ACT_DROP_DATABASE: r_drop_database(st, act); break;
        case ACT_DROP_CONSTRAINT: /* detail: refused, nothing is dropped */
            if (act->detail)
                r_not_null_required(st, act);
            else
                r_drop_constraint(st, act);
            break;
        case ACT_DROP_NOT_NULL:
        case ACT_ADD_IDENTITY: r_not_null_required(st, act); break;
        case ACT_TRUNCATE: r_truncate(st, act); break;
        case ACT_VACUUM_FULL:
        case ACT_CLUSTER:
        case ACT_SET_TABLESPACE: r_rewrite_command(st, act); break;
        case ACT_ALTER_TABLE_OTHER:
            if (act->cost >= COST_REWRITE)
                r_rewrite_command(st, act);
            break;
        case ACT_UPDATE:
        case ACT_DELETE: r_whole_table_dml(st, act); break;
        case ACT_ADD_ENUM_VALUE: on_add_value(st, act); break;
        case ACT_USE_ENUM_VALUE: r_enum_value_in_tx(st, act); break;
        case ACT_CREATE_ENUM:
            list_push(st->a, &st->new_types, (void *)act->table);
            break;
        case ACT_NOT_ANALYSED: r_not_analysed(st, act); break;
        default: break;
        }
        if (is_control(act->kind))
            continue;
        check_lock_timeout(st, act);
        if (live(act) && act->table)
            held_note(st, act->table, act->lock);
        if (act->kind == ACT_ADD_CONSTRAINT && (act->flags & A_NOT_VALID) && live(act) &&
            st->in_tx) {
            NotValid *nv = arena_alloc(st->a, sizeof *nv);
            nv->table = act->table;
            nv->name = act->column;
            nv->line = s->line;
            list_push(st->a, &st->not_valid, nv);
        }
    }

    /* Locks the actions do not carry (an FK's referenced table). */
    for (int i = 0; i < s->fx->locks.len; i++) {
        const LockTaken *lt = LIST_GET(&s->fx->locks, i);
        if (lt->new_table || !lt->relation)
            continue;
        Action pseudo = {.kind = ACT_LOCK_TABLE, .table = lt->relation, .lock = lt->mode,
                         .offset = -1};
        check_lock_timeout(st, &pseudo);
        held_note(st, lt->relation, lt->mode);
    }

    bool zdm;
    if (!st->in_tx)
        tx_reset(st); /* a statement outside BEGIN … COMMIT is its own transaction */
    if (!st->in_tx && !runner_wraps(st->m, &zdm))
        values_committed(st); /* ... unless the runner wraps the file in one */
}

void rules_check_migration(Arena *a, Plan *plan, Migration *m)
{
    State st = {0};
    st.a = a;
    st.plan = plan;
    st.m = m;
    st.lt_local = -1;
    const History *h = plan->history;
    if (h && m->index >= 0 && m->index < h->n && h->items[m->index] == m)
        st.base = creations(&st)->base[m->index];
    for (int i = 0; i < m->nstmts; i++) {
        st.s = m->stmts[i];
        check_statement(&st);
    }
    if (st.in_tx && st.tx_begin) {
        st.s = st.tx_begin;
        add(&st, -1, "unbalanced-transaction",
            "The transaction opened here is never committed: at the end of the migration it is "
            "still open, and depending on the runner the whole migration is rolled back when "
            "the session ends (psql) or the next migration runs inside it.",
            "Add COMMIT; at the end of the migration.");
    }
    if (st.pending.len > 1)
        qsort(st.pending.items, (size_t)st.pending.len, sizeof(void *), pending_cmp);
    for (int i = 0; i < st.pending.len; i++) {
        const Pending *p = LIST_GET(&st.pending, i);
        plan_add_finding(a, plan, m, p->stmt, p->offset, p->rule, p->message, p->fix);
    }
}
