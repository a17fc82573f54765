/*
 * test_replay.c — the catalog replay and the SQL front end, statement by
 * statement: what each statement does to the catalog, and the Actions it
 * records with their lock and cost class. The lock levels asserted here are
 * PostgreSQL's documented ones (ALTER TABLE's per-sub-command notes, "Explicit
 * Locking", CREATE INDEX, DROP INDEX, REINDEX, the partitioning chapter); where
 * the documentation is silent, tablecmds.c's AlterTableGetLockLevel decides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog/replay.h"
#include "sql/sql.h"

/* ---- running SQL through the replay --------------------------------------- */

typedef struct T {
    Arena *a;      /* the run's arena: migrations, parse trees, Effects */
    Catalog *cat;
    Replay r;
    int nmig;      /* migrations replayed so far (their index) */
    Effects **fx;  /* the last migration's Effects, one per statement */
    int nfx;
    Migration *m;  /* the last migration */
} T;

static int setup(void **state)
{
    T *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->a = arena_new();
    t->cat = catalog_new();
    t->r.cat = t->cat;
    t->r.arena = t->a;
    t->r.pg_version = 15;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    T *t = *state;
    catalog_free(t->cat);
    if (t->r.baseline)
        catalog_free(t->r.baseline);
    arena_free(t->a);
    free(t);
    return 0;
}

/* A Migration holding text, parsed; fails the test on a parse error. */
static Migration *migration(T *t, const char *name, const char *text)
{
    Migration *m = arena_alloc(t->a, sizeof *m);
    m->index = t->nmig;
    m->name = name;
    m->file = arena_printf(t->a, "migrations/%s.sql", name);
    m->text = arena_strdup(t->a, text);
    m->len = strlen(text);
    ZdmError err = {0};
    if (sql_parse_migration(t->a, m, &err) != 0)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.column, err.message);
    return m;
}

/* Replays every statement of sql as the next migration. */
static void run(T *t, const char *sql, bool pending)
{
    Migration *m = migration(t, arena_printf(t->a, "%04d_m", t->nmig + 1), sql);
    t->m = m;
    t->r.migration = m->index;
    t->r.pending = pending;
    t->fx = arena_alloc(t->a, sizeof(Effects *) * (size_t)(m->nstmts ? m->nstmts : 1));
    t->nfx = m->nstmts;
    for (int i = 0; i < m->nstmts; i++) {
        t->fx[i] = arena_alloc(t->a, sizeof(Effects));
        ZdmError err = {0};
        assert_int_equal(replay_statement(&t->r, m, m->stmts[i], t->fx[i], &err), 0);
    }
    t->nmig++;
}

/* The live history: what was deployed before the release under analysis. */
static void deployed(T *t, const char *sql) { run(t, sql, false); }

/* One statement of a pending migration; its Effects. */
static const Effects *one(T *t, const char *sql)
{
    run(t, sql, true);
    assert_int_equal(t->nfx, 1);
    return t->fx[0];
}

/* The i-th Action of kind k in fx (i from 0), or NULL. */
static const Action *nth_action(const Effects *fx, ActionKind k, int i)
{
    for (int j = 0; j < fx->actions.len; j++) {
        const Action *a = LIST_GET(&fx->actions, j);
        if (a->kind == k && i-- == 0)
            return a;
    }
    return NULL;
}

static const Action *must(const Effects *fx, ActionKind k)
{
    const Action *a = nth_action(fx, k, 0);
    if (!a)
        fail_msg("no action of kind %d among %d", (int)k, fx->actions.len);
    return a;
}

/* The lock fx takes on relation ("schema.name"), LOCK_NONE if none. */
static LockMode lock_on(const Effects *fx, const char *relation)
{
    for (int i = 0; i < fx->locks.len; i++) {
        const LockTaken *l = LIST_GET(&fx->locks, i);
        if (strcmp(l->relation, relation) == 0)
            return l->mode;
    }
    return LOCK_NONE;
}

static const LockTaken *lock_taken(const Effects *fx, const char *relation)
{
    for (int i = 0; i < fx->locks.len; i++) {
        const LockTaken *l = LIST_GET(&fx->locks, i);
        if (strcmp(l->relation, relation) == 0)
            return l;
    }
    return NULL;
}

static Table *table(T *t, const char *schema, const char *name)
{
    Table *tb = catalog_find_table(t->cat, schema, name);
    if (!tb)
        fail_msg("no table %s.%s", schema ? schema : "(path)", name);
    return tb;
}

static Column *column(T *t, const char *tname, const char *cname)
{
    Column *c = catalog_find_column(table(t, NULL, tname), cname);
    if (!c)
        fail_msg("no column %s.%s", tname, cname);
    return c;
}

static Constraint *constraint(T *t, const char *tname, const char *cname)
{
    Constraint *k = catalog_find_constraint(table(t, NULL, tname), cname);
    if (!k)
        fail_msg("no constraint %s on %s", cname, tname);
    return k;
}

#define assert_flag(a, f) assert_true(((a)->flags & (f)) != 0)
#define assert_no_flag(a, f) assert_false(((a)->flags & (f)) != 0)
#define assert_lock(a, m) assert_string_equal(lock_mode_name((a)->lock), lock_mode_name(m))
#define assert_cost(a, c) assert_string_equal(cost_name((a)->cost), cost_name(c))

/* One ALTER TABLE on t's column, on a table created live with the given
 * columns; returns its ACT_ALTER_TYPE. */
static const Action *alter_type(T *t, const char *coldef, const char *to)
{
    deployed(t, arena_printf(t->a, "CREATE TABLE tt (%s);", coldef));
    const char *col = arena_strndup(t->a, coldef, strcspn(coldef, " "));
    return must(one(t, arena_printf(t->a, "ALTER TABLE tt ALTER COLUMN %s TYPE %s;", col, to)),
                ACT_ALTER_TYPE);
}

/* ---- CREATE TABLE ------------------------------------------------------------ */

static void test_create_table_columns(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (\n"
                "  a int, b integer, c bigint, d smallint, e varchar(32),\n"
                "  f character varying(7), g numeric(10,2), h decimal, i text[],\n"
                "  j int[][], k boolean, l timestamp with time zone, m double precision,\n"
                "  n real, o char(3), p timestamp\n"
                ");");
    Table *tb = table(t, "public", "t");
    assert_int_equal(tb->columns.len, 16);
    assert_int_equal(tb->created_in, -1);
    assert_false(tb->assumed);
    assert_string_equal(column(t, "t", "a")->type, "int4");
    assert_string_equal(column(t, "t", "b")->type, "int4");
    assert_string_equal(column(t, "t", "c")->type, "int8");
    assert_string_equal(column(t, "t", "d")->type, "int2");
    Column *e = column(t, "t", "e");
    assert_string_equal(e->type, "varchar");
    assert_int_equal(e->ntypmods, 1);
    assert_int_equal(e->typmods[0], 32);
    assert_string_equal(catalog_type_sql(t->a, e), "varchar(32)");
    assert_string_equal(catalog_type_sql(t->a, column(t, "t", "f")), "varchar(7)");
    Column *g = column(t, "t", "g");
    assert_string_equal(g->type, "numeric");
    assert_int_equal(g->ntypmods, 2);
    assert_int_equal(g->typmods[0], 10);
    assert_int_equal(g->typmods[1], 2);
    assert_string_equal(catalog_type_sql(t->a, g), "numeric(10,2)");
    assert_string_equal(catalog_type_sql(t->a, column(t, "t", "h")), "numeric");
    Column *i = column(t, "t", "i");
    assert_string_equal(i->type, "text");
    assert_int_equal(i->array_dims, 1);
    assert_string_equal(catalog_type_sql(t->a, i), "text[]");
    assert_int_equal(column(t, "t", "j")->array_dims, 2);
    assert_string_equal(column(t, "t", "k")->type, "bool");
    assert_string_equal(column(t, "t", "l")->type, "timestamptz");
    assert_string_equal(column(t, "t", "m")->type, "float8");
    assert_string_equal(column(t, "t", "n")->type, "float4");
    assert_string_equal(catalog_type_sql(t->a, column(t, "t", "o")), "bpchar(3)");
    assert_string_equal(column(t, "t", "p")->type, "timestamp");
    for (int k = 0; k < tb->columns.len; k++) {
        const Column *c = LIST_GET(&tb->columns, k);
        assert_false(c->not_null);
        assert_null(c->default_expr);
        assert_false(c->assumed);
    }

    /* negative and zero integers, as written (the JSON front end once lost them) */
    deployed(t, "CREATE TABLE neg (x numeric(5, -2), y int DEFAULT -1, z int DEFAULT 0, w int DEFAULT 7);");
    Column *x = column(t, "neg", "x");
    assert_int_equal(x->ntypmods, 2);
    assert_int_equal(x->typmods[1], -2);
    assert_string_equal(column(t, "neg", "y")->default_expr, "-1");
    assert_string_equal(column(t, "neg", "z")->default_expr, "0");
    assert_string_equal(column(t, "neg", "w")->default_expr, "7");
}

static void test_create_table_serial_identity_generated(void **state)
{
    T *t = *state;
    deployed(t, "CREATE SEQUENCE s;\n"
                "CREATE TABLE t (\n"
                "  id serial, big bigserial, small smallserial,\n"
                "  ida int GENERATED ALWAYS AS IDENTITY,\n"
                "  idd bigint GENERATED BY DEFAULT AS IDENTITY,\n"
                "  twice int GENERATED ALWAYS AS (id * 2) STORED\n"
                ");");
    Column *id = column(t, "t", "id");
    assert_string_equal(id->type, "int4");
    assert_true(id->serial);
    assert_true(id->not_null);
    assert_non_null(id->default_expr);
    assert_true(id->default_volatile);
    Column *big = column(t, "t", "big");
    assert_string_equal(big->type, "int8");
    assert_true(big->serial && big->not_null && big->default_volatile);
    assert_string_equal(column(t, "t", "small")->type, "int2");
    assert_true(column(t, "t", "small")->serial);

    Column *ida = column(t, "t", "ida");
    assert_int_equal(ida->identity, 'a');
    assert_true(ida->not_null);
    assert_false(ida->serial);
    assert_int_equal(column(t, "t", "idd")->identity, 'd');
    assert_true(column(t, "t", "idd")->not_null);

    Column *tw = column(t, "t", "twice");
    assert_true(tw->generated);
    assert_false(tw->not_null);
    assert_int_equal(tw->identity, 0);
}

static void test_create_table_defaults_and_volatility(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (\n"
                "  a int NOT NULL DEFAULT 0,\n"
                "  b text DEFAULT 'x',\n"
                "  c timestamptz NOT NULL DEFAULT now(),\n"
                "  d timestamptz DEFAULT CURRENT_TIMESTAMP,\n"
                "  e float8 DEFAULT random(),\n"
                "  f uuid DEFAULT gen_random_uuid(),\n"
                "  g bigint DEFAULT nextval('s'),\n"
                "  h int NULL,\n"
                "  i bool DEFAULT true\n"
                ");");
    Column *a = column(t, "t", "a");
    assert_true(a->not_null);
    assert_string_equal(a->default_expr, "0");
    assert_false(a->default_volatile);
    Column *b = column(t, "t", "b");
    assert_false(b->not_null);
    assert_string_equal(b->default_expr, "'x'");
    assert_false(b->default_volatile);
    /* now() is STABLE: evaluated once per statement */
    assert_true(column(t, "t", "c")->not_null);
    assert_non_null(column(t, "t", "c")->default_expr);
    assert_false(column(t, "t", "c")->default_volatile);
    assert_false(column(t, "t", "d")->default_volatile);
    /* random(), gen_random_uuid() and nextval() are VOLATILE */
    assert_true(column(t, "t", "e")->default_volatile);
    assert_true(column(t, "t", "f")->default_volatile);
    assert_true(column(t, "t", "g")->default_volatile);
    assert_false(column(t, "t", "h")->not_null);
    assert_null(column(t, "t", "h")->default_expr);
    assert_string_equal(column(t, "t", "i")->default_expr, "true");
}

static void test_create_table_constraints(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE parent (id bigint PRIMARY KEY);");
    const Effects *fx = one(t,
        "CREATE TABLE t (\n"
        "  id serial PRIMARY KEY,\n"
        "  email text UNIQUE,\n"
        "  a int, b int,\n"
        "  parent_id bigint REFERENCES parent (id),\n"
        "  code text CHECK (code IS NOT NULL),\n"
        "  lo int, hi int CHECK (hi > lo),\n"
        "  note text,\n"
        "  UNIQUE (a, b),\n"
        "  CHECK (a < b),\n"
        "  CHECK (note IS NOT NULL),\n"
        "  CONSTRAINT t_a_positive CHECK (a > 0)\n"
        ");");

    /* the primary key: constraint and index "<table>_pkey", its column NOT NULL */
    Constraint *pk = constraint(t, "t", "t_pkey");
    assert_int_equal(pk->type, CON_PRIMARY);
    assert_string_equal(pk->index, "t_pkey");
    assert_int_equal(pk->columns.len, 1);
    assert_string_equal(LIST_GET(&pk->columns, 0), "id");
    Index *ix = catalog_find_index(t->cat, "public", "t_pkey");
    assert_non_null(ix);
    assert_true(ix->primary);
    assert_true(ix->unique);
    assert_string_equal(ix->table, "t");
    assert_string_equal(ix->table_schema, "public");
    assert_true(column(t, "t", "id")->not_null);

    /* UNIQUE: "<table>_<columns>_key", backed by a unique index of that name */
    Constraint *uq = constraint(t, "t", "t_email_key");
    assert_int_equal(uq->type, CON_UNIQUE);
    assert_string_equal(uq->index, "t_email_key");
    assert_true(catalog_find_index(t->cat, NULL, "t_email_key")->unique);
    Constraint *uq2 = constraint(t, "t", "t_a_b_key");
    assert_int_equal(uq2->columns.len, 2);
    Index *ix2 = catalog_find_index(t->cat, NULL, "t_a_b_key");
    assert_non_null(ix2);
    assert_string_equal(LIST_GET(&ix2->columns, 0), "a");
    assert_string_equal(LIST_GET(&ix2->columns, 1), "b");

    /* REFERENCES: "<table>_<column>_fkey", validated, naming its table */
    Constraint *fk = constraint(t, "t", "t_parent_id_fkey");
    assert_int_equal(fk->type, CON_FOREIGN);
    assert_true(fk->validated);
    assert_string_equal(fk->ref_table, "public.parent");
    assert_string_equal(LIST_GET(&fk->columns, 0), "parent_id");

    /* CHECK: column "<table>_<column>_check"; a table CHECK naming one
     * column is named after it, naming several "<table>_check" */
    Constraint *ck = constraint(t, "t", "t_code_check");
    assert_int_equal(ck->type, CON_CHECK);
    assert_string_equal(ck->not_null_of, "code");
    /* CHECK (hi > lo), written on hi, and CHECK (a < b) both read two
     * columns: "t_check", then "t_check1" */
    assert_null(constraint(t, "t", "t_check")->not_null_of);
    assert_non_null(constraint(t, "t", "t_check1"));
    assert_null(catalog_find_constraint(table(t, NULL, "t"), "t_hi_check"));
    assert_string_equal(constraint(t, "t", "t_note_check")->not_null_of, "note");
    assert_null(constraint(t, "t", "t_a_positive")->not_null_of);
    assert_true(constraint(t, "t", "t_a_positive")->validated);

    /* Locks: nothing live is at risk on the new table itself, but the FK
     * takes SHARE ROW EXCLUSIVE on the referenced table. */
    const Action *ct = must(fx, ACT_CREATE_TABLE);
    assert_string_equal(ct->table, "public.t");
    assert_flag(ct, A_NEW_TABLE);
    assert_lock(ct, LOCK_NONE);
    assert_int_equal(lock_on(fx, "public.parent"), LOCK_SHARE_ROW_EXCLUSIVE);
    assert_false(lock_taken(fx, "public.parent")->new_table);
    const LockTaken *self = lock_taken(fx, "public.t");
    assert_true(self == NULL || self->new_table);
    const Action *lk = must(fx, ACT_LOCK_TABLE);
    assert_string_equal(lk->table, "public.parent");
    assert_lock(lk, LOCK_SHARE_ROW_EXCLUSIVE);
    /* the constraints are recorded, costing nothing on a new table */
    const Action *afk = NULL;
    for (int i = 0; (lk = nth_action(fx, ACT_ADD_CONSTRAINT, i)); i++) {
        assert_true(lk->cost <= COST_CATALOG);
        if (lk->contype == CON_FOREIGN)
            afk = lk;
    }
    assert_non_null(afk);
    assert_string_equal(afk->ref_table, "public.parent");
    assert_string_equal(afk->column, "t_parent_id_fkey");
}

static void test_create_table_new_vs_live(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE live (id int);");
    assert_int_equal(table(t, NULL, "live")->created_in, -1);
    assert_no_flag(must(t->fx[0], ACT_CREATE_TABLE), A_NEW_TABLE);

    const Effects *fx = one(t, "CREATE TABLE fresh (id int);");
    assert_int_equal(table(t, NULL, "fresh")->created_in, 1);
    assert_flag(must(fx, ACT_CREATE_TABLE), A_NEW_TABLE);

    /* Later statements on a table created in this release say so: nothing
     * live waits on it, whatever the lock. */
    fx = one(t, "ALTER TABLE fresh ADD COLUMN n int DEFAULT random()::int;");
    const Action *a = must(fx, ACT_ADD_COLUMN);
    assert_flag(a, A_NEW_TABLE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_true(lock_taken(fx, "public.fresh")->new_table);
    fx = one(t, "ALTER TABLE live ADD COLUMN n int;");
    assert_no_flag(must(fx, ACT_ADD_COLUMN), A_NEW_TABLE);
    assert_false(lock_taken(fx, "public.live")->new_table);

    /* IF NOT EXISTS on an existing table changes nothing */
    fx = one(t, "CREATE TABLE IF NOT EXISTS live (other text);");
    assert_null(nth_action(fx, ACT_CREATE_TABLE, 0));
    assert_null(catalog_find_column(table(t, NULL, "live"), "other"));
}

static void test_quoted_identifiers(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE \"Customer\" (\"Name\" text, plain INT);\n"
                "CREATE TABLE Orders (ID int);");
    assert_non_null(catalog_find_table(t->cat, "public", "Customer"));
    assert_null(catalog_find_table(t->cat, "public", "customer"));
    assert_non_null(catalog_find_column(table(t, NULL, "Customer"), "Name"));
    assert_null(catalog_find_column(table(t, NULL, "Customer"), "name"));
    assert_non_null(catalog_find_column(table(t, NULL, "Customer"), "plain"));
    /* unquoted names fold to lower case */
    assert_non_null(catalog_find_table(t->cat, "public", "orders"));
    assert_null(catalog_find_table(t->cat, "public", "Orders"));
    assert_non_null(catalog_find_column(table(t, NULL, "orders"), "id"));

    const Effects *fx = one(t, "ALTER TABLE \"Customer\" DROP COLUMN \"Name\";");
    const Action *a = must(fx, ACT_DROP_COLUMN);
    assert_string_equal(a->table, "public.Customer");
    assert_string_equal(a->column, "Name");
    assert_no_flag(a, A_ASSUMED);
    assert_null(catalog_find_column(table(t, NULL, "Customer"), "Name"));
}

static void test_schemas_and_search_path(void **state)
{
    T *t = *state;
    assert_int_equal(t->cat->search_path.len, 1);
    assert_string_equal(catalog_creation_schema(t->cat), "public");
    deployed(t, "CREATE SCHEMA app;\n"
                "CREATE TABLE app.explicit (id int);\n"
                "CREATE TABLE t (id int);");
    assert_true(catalog_has_schema(t->cat, "app"));
    assert_non_null(catalog_find_table(t->cat, "app", "explicit"));
    assert_non_null(catalog_find_table(t->cat, "public", "t"));
    assert_null(catalog_find_table(t->cat, NULL, "explicit")); /* app is not on the path */

    const Effects *fx = one(t, "SET search_path TO app, public;");
    const Action *set = must(fx, ACT_SET_OTHER);
    assert_string_equal(set->detail, "search_path");
    assert_cost(set, COST_NONE);
    assert_int_equal(t->cat->search_path.len, 2);
    assert_string_equal(catalog_creation_schema(t->cat), "app");

    fx = one(t, "CREATE TABLE x (id int);");
    assert_string_equal(must(fx, ACT_CREATE_TABLE)->table, "app.x");
    assert_non_null(catalog_find_table(t->cat, "app", "x"));
    assert_null(catalog_find_table(t->cat, "public", "x"));
    /* unqualified names resolve along the path: app first, then public */
    assert_string_equal(table(t, NULL, "x")->schema, "app");
    assert_string_equal(table(t, NULL, "t")->schema, "public");
    assert_string_equal(must(one(t, "ALTER TABLE t ADD COLUMN c int;"), ACT_ADD_COLUMN)->table,
                        "public.t");
    assert_string_equal(must(one(t, "ALTER TABLE explicit ADD COLUMN c int;"), ACT_ADD_COLUMN)->table,
                        "app.explicit");

    /* a schema that does not exist is skipped when creating */
    one(t, "SET search_path TO nowhere, public;");
    assert_string_equal(catalog_creation_schema(t->cat), "public");
    one(t, "CREATE TABLE y (id int);");
    assert_non_null(catalog_find_table(t->cat, "public", "y"));
    Table *x = table(t, "app", "x"), *y = table(t, "public", "y");
    assert_string_equal(catalog_display_name(t->a, x->schema, x->name), "app.x");
    assert_string_equal(catalog_display_name(t->a, y->schema, y->name), "y");
    assert_string_equal(catalog_display("app.x"), "app.x");
    assert_string_equal(catalog_display("public.y"), "y");
    assert_ptr_equal(catalog_find_qualified(t->cat, "app.x"), x);
    assert_ptr_equal(catalog_find_qualified(t->cat, "public.y"), y);
    assert_null(catalog_find_qualified(t->cat, "app.y"));
    assert_null(catalog_find_qualified(t->cat, "y"));
}

/* ---- ALTER TABLE: columns ---------------------------------------------------- */

static void test_add_and_drop_column(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int PRIMARY KEY, old text NOT NULL, keep int);\n"
                "CREATE INDEX t_old_idx ON t (old);");
    const Effects *fx = one(t, "ALTER TABLE t ADD COLUMN name varchar(100) NOT NULL DEFAULT '';");
    const Action *a = must(fx, ACT_ADD_COLUMN);
    assert_string_equal(a->table, "public.t");
    assert_string_equal(a->column, "name");
    assert_string_equal(a->detail, "varchar(100)");
    assert_flag(a, A_NOT_NULL);
    assert_flag(a, A_HAS_DEFAULT);
    assert_no_flag(a, A_VOLATILE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_int_equal(lock_on(fx, "public.t"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(fx->cost, COST_CATALOG);
    Column *c = column(t, "t", "name");
    assert_true(c->not_null);
    assert_string_equal(c->default_expr, "''");

    /* ADD COLUMN IF NOT EXISTS of a column that exists: no change */
    one(t, "ALTER TABLE t ADD COLUMN IF NOT EXISTS keep text;");
    assert_string_equal(column(t, "t", "keep")->type, "int4");

    fx = one(t, "ALTER TABLE t DROP COLUMN old;");
    a = must(fx, ACT_DROP_COLUMN);
    assert_string_equal(a->column, "old");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_flag(a, A_NOT_NULL); /* NOT NULL without default: old INSERTs name it */
    assert_null(catalog_find_column(table(t, NULL, "t"), "old"));
    assert_null(catalog_find_index(t->cat, NULL, "t_old_idx")); /* dropped with its column */

    fx = one(t, "ALTER TABLE t DROP COLUMN IF EXISTS never;");
    a = must(fx, ACT_DROP_COLUMN);
    assert_flag(a, A_IF_EXISTS);
    assert_no_flag(a, A_NOT_NULL);
}

static void test_add_column_cost_by_version(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int);");
    static const struct {
        const char *def;
        Cost cost;
        unsigned flags;
    } cases[] = {
        /* a non-volatile default is stored in the catalog (11+) */
        {"int DEFAULT 0", COST_CATALOG, A_HAS_DEFAULT},
        {"text NOT NULL DEFAULT 'x'", COST_CATALOG, A_HAS_DEFAULT | A_NOT_NULL},
        {"timestamptz DEFAULT now()", COST_CATALOG, A_HAS_DEFAULT},
        {"int", COST_CATALOG, 0},
        /* evaluated per row: every row is written */
        {"float8 DEFAULT random()", COST_REWRITE, A_HAS_DEFAULT | A_VOLATILE},
        {"uuid DEFAULT gen_random_uuid()", COST_REWRITE, A_HAS_DEFAULT | A_VOLATILE},
        {"bigserial", COST_REWRITE, A_SERIAL | A_NOT_NULL | A_VOLATILE},
        {"serial", COST_REWRITE, A_SERIAL},
        {"int GENERATED ALWAYS AS IDENTITY", COST_REWRITE, A_IDENTITY | A_NOT_NULL},
        {"bigint GENERATED BY DEFAULT AS IDENTITY", COST_REWRITE, A_IDENTITY},
    };
    for (int v = 11; v <= 17; v++) {
        t->r.pg_version = v;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const char *col = arena_printf(t->a, "c_%d_%zu", v, i);
            const Effects *fx = one(t, arena_printf(t->a, "ALTER TABLE t ADD COLUMN %s %s;",
                                                    col, cases[i].def));
            const Action *a = must(fx, ACT_ADD_COLUMN);
            assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
            if (a->cost != cases[i].cost)
                fail_msg("pg %d, ADD COLUMN %s: %s, expected %s", v, cases[i].def,
                         cost_name(a->cost), cost_name(cases[i].cost));
            if ((a->flags & cases[i].flags) != cases[i].flags)
                fail_msg("pg %d, ADD COLUMN %s: flags %#x lack %#x", v, cases[i].def,
                         a->flags, cases[i].flags);
        }
        if (v >= 12) { /* stored generated columns exist from 12 on */
            const Effects *fx = one(t, arena_printf(t->a,
                "ALTER TABLE t ADD COLUMN g_%d int GENERATED ALWAYS AS (id * 2) STORED;", v));
            const Action *a = must(fx, ACT_ADD_COLUMN);
            assert_flag(a, A_GENERATED);
            assert_cost(a, COST_REWRITE);
            assert_true(column(t, "t", arena_printf(t->a, "g_%d", v))->generated);
        }
    }
    assert_true(column(t, "t", "c_11_6")->serial);
    assert_int_equal(column(t, "t", "c_11_8")->identity, 'a');
    assert_int_equal(column(t, "t", "c_17_9")->identity, 'd');
}

static void test_alter_type_text_like(void **state)
{
    T *t = *state;
    /* varchar(32) → varchar(64): binary coercible, no rewrite, nothing narrows */
    const Action *a = alter_type(t, "v varchar(32)", "varchar(64)");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_no_flag(a, A_REWRITE);
    assert_no_flag(a, A_NARROWS);
    assert_string_equal(a->detail, "varchar(64)");
    assert_string_equal(catalog_type_sql(t->a, column(t, "tt", "v")), "varchar(64)");

    /* varchar(64) → varchar(32): every value is checked and rewritten */
    a = must(one(t, "ALTER TABLE tt ALTER COLUMN v TYPE varchar(32);"), ACT_ALTER_TYPE);
    assert_cost(a, COST_REWRITE);
    assert_flag(a, A_REWRITE);
    assert_flag(a, A_NARROWS);

    /* varchar → text and back to unlimited varchar: catalog-only */
    a = must(one(t, "ALTER TABLE tt ALTER COLUMN v TYPE text;"), ACT_ALTER_TYPE);
    assert_cost(a, COST_CATALOG);
    assert_no_flag(a, A_NARROWS);
    assert_string_equal(column(t, "tt", "v")->type, "text");
    assert_int_equal(column(t, "tt", "v")->ntypmods, 0);
    a = must(one(t, "ALTER TABLE tt ALTER COLUMN v TYPE varchar;"), ACT_ALTER_TYPE);
    assert_cost(a, COST_CATALOG);
    /* text → varchar(10): narrows */
    a = must(one(t, "ALTER TABLE tt ALTER COLUMN v TYPE varchar(10);"), ACT_ALTER_TYPE);
    assert_flag(a, A_NARROWS);
    assert_flag(a, A_REWRITE);
}

static void test_alter_type_using(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE u (v varchar(32), s text, n varchar(10));");
    /* USING that computes something rewrites even between compatible types */
    const Action *a = must(one(t, "ALTER TABLE u ALTER v TYPE varchar(64) USING lower(v);"),
                           ACT_ALTER_TYPE);
    assert_flag(a, A_REWRITE);
    assert_cost(a, COST_REWRITE);
    a = must(one(t, "ALTER TABLE u ALTER s TYPE int USING s::int;"), ACT_ALTER_TYPE);
    assert_flag(a, A_REWRITE);
    assert_flag(a, A_NARROWS);
    assert_string_equal(column(t, "u", "s")->type, "int4");
    /* USING col::newtype does not change the contents (what Django writes
     * for CharField → TextField): the types decide, as without USING */
    a = must(one(t, "ALTER TABLE u ALTER n TYPE text USING \"n\"::text;"), ACT_ALTER_TYPE);
    assert_no_flag(a, A_REWRITE);
    assert_cost(a, COST_CATALOG);
    a = must(one(t, "ALTER TABLE u ALTER n TYPE varchar(5) USING n::varchar(5);"), ACT_ALTER_TYPE);
    assert_flag(a, A_REWRITE);
    assert_flag(a, A_NARROWS);
}

static void test_alter_type_numeric_and_integers(void **state)
{
    T *t = *state;
    /* numeric(10,2) → numeric(12,2): more precision, same scale: catalog-only */
    const Action *a = alter_type(t, "n numeric(10,2)", "numeric(12,2)");
    assert_cost(a, COST_CATALOG);
    assert_no_flag(a, A_REWRITE);
    assert_no_flag(a, A_NARROWS);
    /* a new scale rewrites; numeric(12,2) → numeric(12,3) loses a digit
     * before the point */
    a = must(one(t, "ALTER TABLE tt ALTER n TYPE numeric(12,3);"), ACT_ALTER_TYPE);
    assert_cost(a, COST_REWRITE);
    assert_flag(a, A_NARROWS);
    /* numeric(12,3) → numeric(14,4): rewrites, but every value fits */
    a = must(one(t, "ALTER TABLE tt ALTER n TYPE numeric(14,4);"), ACT_ALTER_TYPE);
    assert_cost(a, COST_REWRITE);
    assert_no_flag(a, A_NARROWS);
    /* unconstrained numeric holds everything */
    a = must(one(t, "ALTER TABLE tt ALTER n TYPE numeric;"), ACT_ALTER_TYPE);
    assert_cost(a, COST_CATALOG);
    assert_no_flag(a, A_NARROWS);
    a = must(one(t, "ALTER TABLE tt ALTER n TYPE numeric(10,2);"), ACT_ALTER_TYPE);
    assert_flag(a, A_NARROWS);
    assert_flag(a, A_REWRITE);

    deployed(t, "CREATE TABLE ints (i int, b bigint, s smallint);");
    /* int4 → int8: rewrites, every value fits */
    a = must(one(t, "ALTER TABLE ints ALTER i TYPE bigint;"), ACT_ALTER_TYPE);
    assert_flag(a, A_REWRITE);
    assert_no_flag(a, A_NARROWS);
    assert_cost(a, COST_REWRITE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_string_equal(a->detail, "int8");
    /* int8 → int4 narrows */
    a = must(one(t, "ALTER TABLE ints ALTER b TYPE integer;"), ACT_ALTER_TYPE);
    assert_flag(a, A_REWRITE);
    assert_flag(a, A_NARROWS);
    /* the same type: nothing to do */
    a = must(one(t, "ALTER TABLE ints ALTER s TYPE int2;"), ACT_ALTER_TYPE);
    assert_cost(a, COST_CATALOG);
    assert_no_flag(a, A_NARROWS);
    /* a column zdm never saw: assume the worst */
    a = must(one(t, "ALTER TABLE ghost ALTER c TYPE bigint;"), ACT_ALTER_TYPE);
    assert_flag(a, A_REWRITE);
    assert_flag(a, A_ASSUMED);
}

static void test_defaults_and_not_null(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (a int, b int, c int NOT NULL, id serial);");
    const Effects *fx = one(t, "ALTER TABLE t ALTER COLUMN a SET DEFAULT 7;");
    const Action *a = must(fx, ACT_SET_DEFAULT);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_no_flag(a, A_VOLATILE);
    assert_string_equal(column(t, "t", "a")->default_expr, "7");
    a = must(one(t, "ALTER TABLE t ALTER COLUMN b SET DEFAULT random();"), ACT_SET_DEFAULT);
    assert_flag(a, A_VOLATILE);
    assert_cost(a, COST_CATALOG); /* a default only applies to new rows */
    assert_true(column(t, "t", "b")->default_volatile);

    a = must(one(t, "ALTER TABLE t ALTER COLUMN a DROP DEFAULT;"), ACT_DROP_DEFAULT);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_null(column(t, "t", "a")->default_expr);
    one(t, "ALTER TABLE t ALTER COLUMN id DROP DEFAULT;");
    assert_false(column(t, "t", "id")->serial);
    assert_false(column(t, "t", "id")->default_volatile);

    a = must(one(t, "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;"), ACT_DROP_NOT_NULL);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_false(column(t, "t", "c")->not_null);

    /* SET NOT NULL scans the table for NULLs under ACCESS EXCLUSIVE */
    a = must(one(t, "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"), ACT_SET_NOT_NULL);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_SCAN);
    assert_no_flag(a, A_SCAN_SKIPPED);
    assert_true(column(t, "t", "a")->not_null);
}

static void test_set_not_null_behind_check(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (a int, b int, c int, d int);\n"
                "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL);\n"
                "ALTER TABLE t ADD CONSTRAINT b_nn CHECK (b IS NOT NULL) NOT VALID;\n"
                "ALTER TABLE t ADD CONSTRAINT c_pos CHECK (c > 0);");
    assert_string_equal(constraint(t, "t", "a_nn")->not_null_of, "a");
    assert_true(constraint(t, "t", "a_nn")->validated);
    assert_false(constraint(t, "t", "b_nn")->validated);
    for (int v = 11; v <= 17; v++) {
        Catalog *saved = t->cat;
        t->cat = t->r.cat = catalog_copy(saved);
        t->r.pg_version = v;
        /* a validated CHECK (a IS NOT NULL) proves it from 12 on */
        const Action *a = must(one(t, "ALTER TABLE t ALTER a SET NOT NULL;"), ACT_SET_NOT_NULL);
        assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
        if (v >= 12) {
            assert_cost(a, COST_CATALOG);
            assert_flag(a, A_SCAN_SKIPPED);
        } else {
            assert_cost(a, COST_SCAN);
            assert_no_flag(a, A_SCAN_SKIPPED);
        }
        /* a NOT VALID one proves nothing, nor does an unrelated CHECK */
        a = must(one(t, "ALTER TABLE t ALTER b SET NOT NULL;"), ACT_SET_NOT_NULL);
        assert_cost(a, COST_SCAN);
        assert_no_flag(a, A_SCAN_SKIPPED);
        a = must(one(t, "ALTER TABLE t ALTER c SET NOT NULL;"), ACT_SET_NOT_NULL);
        assert_cost(a, COST_SCAN);
        /* once validated, it does */
        one(t, "ALTER TABLE t VALIDATE CONSTRAINT b_nn;");
        assert_true(constraint(t, "t", "b_nn")->validated);
        one(t, "ALTER TABLE t ALTER b DROP NOT NULL;");
        a = must(one(t, "ALTER TABLE t ALTER b SET NOT NULL;"), ACT_SET_NOT_NULL);
        assert_cost(a, v >= 12 ? COST_CATALOG : COST_SCAN);
        catalog_free(t->cat);
        t->cat = t->r.cat = saved;
    }
    /* after a rename the CHECK still proves the column */
    one(t, "ALTER TABLE t RENAME COLUMN a TO aa;");
    assert_string_equal(constraint(t, "t", "a_nn")->not_null_of, "aa");
    const Action *a = must(one(t, "ALTER TABLE t ALTER aa SET NOT NULL;"), ACT_SET_NOT_NULL);
    assert_cost(a, COST_CATALOG);
}

static void test_column_storage_and_identity(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (a int, b text, c int, g int GENERATED ALWAYS AS (c) STORED);");
    /* SET STATISTICS and SET (...) take SHARE UPDATE EXCLUSIVE */
    const Action *a = must(one(t, "ALTER TABLE t ALTER a SET STATISTICS 500;"), ACT_ALTER_COLUMN_OTHER);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    a = must(one(t, "ALTER TABLE t ALTER a SET (n_distinct = 100);"), ACT_ALTER_COLUMN_OTHER);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    /* SET STORAGE: ACCESS EXCLUSIVE (not one of the documented exceptions) */
    a = must(one(t, "ALTER TABLE t ALTER b SET STORAGE EXTERNAL;"), ACT_ALTER_COLUMN_OTHER);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);

    a = must(one(t, "ALTER TABLE t ALTER c ADD GENERATED BY DEFAULT AS IDENTITY;"), ACT_ADD_IDENTITY);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(column(t, "t", "c")->identity, 'd');
    /* ALWAYS or BY DEFAULT, as added and as SET: code that writes c fails on ALWAYS */
    a = must(one(t, "ALTER TABLE t ALTER c SET GENERATED ALWAYS;"), ACT_ALTER_COLUMN_OTHER);
    assert_int_equal(column(t, "t", "c")->identity, 'a');
    must(one(t, "ALTER TABLE t ALTER c SET GENERATED BY DEFAULT;"), ACT_ALTER_COLUMN_OTHER);
    assert_int_equal(column(t, "t", "c")->identity, 'd');
    a = must(one(t, "ALTER TABLE t ALTER c DROP IDENTITY;"), ACT_DROP_IDENTITY);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(column(t, "t", "c")->identity, 0);
    must(one(t, "ALTER TABLE t ALTER c ADD GENERATED ALWAYS AS IDENTITY;"), ACT_ADD_IDENTITY);
    assert_int_equal(column(t, "t", "c")->identity, 'a');
    a = must(one(t, "ALTER TABLE t ALTER g DROP EXPRESSION;"), ACT_DROP_EXPRESSION);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_false(column(t, "t", "g")->generated);
}

/* ---- ALTER TABLE: constraints ------------------------------------------------- */

static void test_add_check_constraint(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (a int, b int);");
    /* most forms of ADD table_constraint take ACCESS EXCLUSIVE; a valid
     * CHECK scans the table */
    const Effects *fx = one(t, "ALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0);");
    const Action *a = must(fx, ACT_ADD_CONSTRAINT);
    assert_int_equal(a->contype, CON_CHECK);
    assert_string_equal(a->column, "a_pos");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_SCAN);
    assert_no_flag(a, A_NOT_VALID);
    assert_true(constraint(t, "t", "a_pos")->validated);

    a = must(one(t, "ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0) NOT VALID;"), ACT_ADD_CONSTRAINT);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_flag(a, A_NOT_VALID);
    assert_false(constraint(t, "t", "b_pos")->validated);

    /* VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE while it scans */
    fx = one(t, "ALTER TABLE t VALIDATE CONSTRAINT b_pos;");
    a = must(fx, ACT_VALIDATE_CONSTRAINT);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_cost(a, COST_SCAN);
    assert_int_equal(a->contype, CON_CHECK);
    assert_int_equal(lock_on(fx, "public.t"), LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_true(constraint(t, "t", "b_pos")->validated);
    /* validating a valid constraint has nothing to check */
    a = must(one(t, "ALTER TABLE t VALIDATE CONSTRAINT b_pos;"), ACT_VALIDATE_CONSTRAINT);
    assert_cost(a, COST_CATALOG);

    /* unnamed: "<table>_<column>_check" or "<table>_check" */
    one(t, "ALTER TABLE t ADD CHECK (a <> 3);");
    assert_non_null(constraint(t, "t", "t_a_check"));
    one(t, "ALTER TABLE t ADD CHECK (a <> b);");
    assert_non_null(constraint(t, "t", "t_check"));

    a = must(one(t, "ALTER TABLE t DROP CONSTRAINT a_pos;"), ACT_DROP_CONSTRAINT);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_int_equal(a->contype, CON_CHECK);
    assert_no_flag(a, A_ASSUMED);
    assert_null(catalog_find_constraint(table(t, NULL, "t"), "a_pos"));
    a = must(one(t, "ALTER TABLE t DROP CONSTRAINT IF EXISTS nope;"), ACT_DROP_CONSTRAINT);
    assert_no_flag(a, A_ASSUMED);
    a = must(one(t, "ALTER TABLE t DROP CONSTRAINT nope;"), ACT_DROP_CONSTRAINT);
    assert_flag(a, A_ASSUMED);
}

static void test_add_foreign_key(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE p (id int PRIMARY KEY);\n"
                "CREATE TABLE c (id int, p_id int, q_id int);");
    /* ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables; validating scans */
    const Effects *fx = one(t, "ALTER TABLE c ADD CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id);");
    const Action *a = must(fx, ACT_ADD_CONSTRAINT);
    assert_int_equal(a->contype, CON_FOREIGN);
    assert_lock(a, LOCK_SHARE_ROW_EXCLUSIVE);
    assert_cost(a, COST_SCAN);
    assert_string_equal(a->ref_table, "public.p");
    assert_string_equal(a->detail, "p_id");
    assert_int_equal(lock_on(fx, "public.c"), LOCK_SHARE_ROW_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.p"), LOCK_SHARE_ROW_EXCLUSIVE);
    assert_int_equal(fx->cost, COST_SCAN);

    fx = one(t, "ALTER TABLE c ADD FOREIGN KEY (q_id) REFERENCES p (id) NOT VALID;");
    a = must(fx, ACT_ADD_CONSTRAINT);
    assert_string_equal(a->column, "c_q_id_fkey");
    assert_flag(a, A_NOT_VALID);
    assert_cost(a, COST_CATALOG);
    assert_int_equal(lock_on(fx, "public.p"), LOCK_SHARE_ROW_EXCLUSIVE);
    Constraint *k = constraint(t, "c", "c_q_id_fkey");
    assert_false(k->validated);
    assert_string_equal(k->ref_table, "public.p");

    /* VALIDATE: SHARE UPDATE EXCLUSIVE on the table, ROW SHARE on the
     * referenced one */
    fx = one(t, "ALTER TABLE c VALIDATE CONSTRAINT c_q_id_fkey;");
    a = must(fx, ACT_VALIDATE_CONSTRAINT);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_cost(a, COST_SCAN);
    assert_int_equal(a->contype, CON_FOREIGN);
    assert_string_equal(a->ref_table, "public.p");
    assert_int_equal(lock_on(fx, "public.c"), LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.p"), LOCK_ROW_SHARE);
    assert_true(k->validated);

    /* dropping a foreign key drops its triggers on the referenced table too:
     * ACCESS EXCLUSIVE on both */
    fx = one(t, "ALTER TABLE c DROP CONSTRAINT c_p_fk;");
    a = must(fx, ACT_DROP_CONSTRAINT);
    assert_int_equal(a->contype, CON_FOREIGN);
    assert_int_equal(lock_on(fx, "public.c"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.p"), LOCK_ACCESS_EXCLUSIVE);
    assert_null(catalog_find_constraint(table(t, NULL, "c"), "c_p_fk"));

    /* REFERENCES on a column ADD COLUMN adds: without a default the column
     * holds only NULLs and PostgreSQL skips the validation; with one it scans */
    fx = one(t, "ALTER TABLE c ADD COLUMN r_id int REFERENCES p (id);");
    assert_cost(must(fx, ACT_ADD_COLUMN), COST_CATALOG);
    a = must(fx, ACT_ADD_CONSTRAINT);
    assert_string_equal(a->column, "c_r_id_fkey");
    assert_cost(a, COST_CATALOG);
    assert_int_equal(fx->cost, COST_CATALOG);
    assert_int_equal(lock_on(fx, "public.c"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.p"), LOCK_SHARE_ROW_EXCLUSIVE);
    assert_true(constraint(t, "c", "c_r_id_fkey")->validated);
    fx = one(t, "ALTER TABLE c ADD COLUMN s_id int DEFAULT 1 REFERENCES p (id);");
    assert_int_equal(fx->cost, COST_SCAN);
    /* a CHECK on the new column is checked by a scan, UNIQUE builds an index */
    fx = one(t, "ALTER TABLE c ADD COLUMN pos int CHECK (pos > 0);");
    assert_cost(must(fx, ACT_ADD_CONSTRAINT), COST_SCAN);
    fx = one(t, "ALTER TABLE c ADD COLUMN code text UNIQUE;");
    assert_cost(must(fx, ACT_ADD_CONSTRAINT), COST_INDEX);
    assert_int_equal(lock_on(fx, "public.c"), LOCK_ACCESS_EXCLUSIVE);

    /* a foreign key dropped with its column or its table locks the
     * referenced table as DROP CONSTRAINT does */
    fx = one(t, "ALTER TABLE c DROP COLUMN r_id;");
    assert_int_equal(lock_on(fx, "public.p"), LOCK_ACCESS_EXCLUSIVE);
    assert_null(catalog_find_constraint(table(t, NULL, "c"), "c_r_id_fkey"));
    fx = one(t, "ALTER TABLE c DROP COLUMN pos;");
    assert_int_equal(lock_on(fx, "public.p"), LOCK_NONE);
    fx = one(t, "DROP TABLE c;");
    assert_int_equal(lock_on(fx, "public.c"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.p"), LOCK_ACCESS_EXCLUSIVE);
    /* a key on the table itself locks nothing else */
    deployed(t, "CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree (id));");
    fx = one(t, "DROP TABLE tree;");
    assert_int_equal(fx->locks.len, 1);
}

static void test_add_unique_primary_exclude(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int, email text, code text, r tstzrange);\n"
                "CREATE UNIQUE INDEX CONCURRENTLY t_email_idx ON t (email);\n"
                "CREATE UNIQUE INDEX t_id_idx ON t (id);");
    /* UNIQUE builds its index under ACCESS EXCLUSIVE */
    const Action *a = must(one(t, "ALTER TABLE t ADD CONSTRAINT t_code_uq UNIQUE (code);"),
                           ACT_ADD_CONSTRAINT);
    assert_int_equal(a->contype, CON_UNIQUE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_INDEX);
    assert_no_flag(a, A_USING_INDEX);
    assert_non_null(catalog_find_index(t->cat, NULL, "t_code_uq"));
    assert_string_equal(constraint(t, "t", "t_code_uq")->index, "t_code_uq");

    /* USING INDEX: catalog-only; the index takes the constraint's name */
    a = must(one(t, "ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE USING INDEX t_email_idx;"),
             ACT_ADD_CONSTRAINT);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_flag(a, A_USING_INDEX);
    assert_null(catalog_find_index(t->cat, NULL, "t_email_idx"));
    assert_non_null(catalog_find_index(t->cat, NULL, "t_email_key"));
    Constraint *k = constraint(t, "t", "t_email_key");
    assert_string_equal(k->index, "t_email_key");
    assert_int_equal(k->columns.len, 1);
    assert_string_equal(LIST_GET(&k->columns, 0), "email");
    /* dropping the constraint drops its index */
    one(t, "ALTER TABLE t DROP CONSTRAINT t_email_key;");
    assert_null(catalog_find_index(t->cat, NULL, "t_email_key"));

    /* PRIMARY KEY USING INDEX: the key's columns become NOT NULL, which
     * scans when they were nullable; the unnamed constraint takes the
     * index's name */
    a = must(one(t, "ALTER TABLE t ADD PRIMARY KEY USING INDEX t_id_idx;"), ACT_ADD_CONSTRAINT);
    assert_int_equal(a->contype, CON_PRIMARY);
    assert_flag(a, A_USING_INDEX);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_SCAN);
    assert_true(column(t, "t", "id")->not_null);
    assert_true(catalog_find_index(t->cat, NULL, "t_id_idx")->primary);
    assert_string_equal(constraint(t, "t", "t_id_idx")->index, "t_id_idx");

    /* EXCLUDE builds an index too */
    a = must(one(t, "ALTER TABLE t ADD EXCLUDE USING gist (r WITH &&);"), ACT_ADD_CONSTRAINT);
    assert_int_equal(a->contype, CON_EXCLUDE);
    assert_string_equal(a->column, "t_r_excl");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_INDEX);
    assert_string_equal(constraint(t, "t", "t_r_excl")->index, "t_r_excl");
    assert_false(catalog_find_index(t->cat, NULL, "t_r_excl")->unique);

    /* a plain PRIMARY KEY on a new table */
    deployed(t, "CREATE TABLE n (id int NOT NULL);");
    a = must(one(t, "ALTER TABLE n ADD PRIMARY KEY (id);"), ACT_ADD_CONSTRAINT);
    assert_string_equal(a->column, "n_pkey");
    assert_cost(a, COST_INDEX);
    assert_true(catalog_find_index(t->cat, NULL, "n_pkey")->primary);
}

/* ---- ALTER TABLE: whole-table sub-commands ------------------------------------ */

static void test_table_level_subcommands(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int PRIMARY KEY);");
    const Action *a = must(one(t, "ALTER TABLE t SET TABLESPACE fast;"), ACT_SET_TABLESPACE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_REWRITE);
    assert_string_equal(a->detail, "fast");

    a = must(one(t, "ALTER TABLE t SET LOGGED;"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_REWRITE);
    assert_string_equal(a->detail, "SET LOGGED");
    a = must(one(t, "ALTER TABLE t SET UNLOGGED;"), ACT_ALTER_TABLE_OTHER);
    assert_cost(a, COST_REWRITE);

    /* enabling and disabling triggers: SHARE ROW EXCLUSIVE */
    a = must(one(t, "ALTER TABLE t ENABLE TRIGGER ALL;"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_SHARE_ROW_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    a = must(one(t, "ALTER TABLE t DISABLE TRIGGER audit;"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_SHARE_ROW_EXCLUSIVE);

    /* CLUSTER ON, SET WITHOUT CLUSTER, fillfactor: SHARE UPDATE EXCLUSIVE */
    a = must(one(t, "ALTER TABLE t CLUSTER ON t_pkey;"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    a = must(one(t, "ALTER TABLE t SET (fillfactor = 70);"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);

    /* OWNER TO and the rest: ACCESS EXCLUSIVE unless documented otherwise */
    a = must(one(t, "ALTER TABLE t OWNER TO app;"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    a = must(one(t, "ALTER TABLE t REPLICA IDENTITY FULL;"), ACT_ALTER_TABLE_OTHER);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);

    /* several sub-commands: one action each, the strongest lock wins */
    const Effects *fx = one(t, "ALTER TABLE t ALTER id SET STATISTICS 10, ADD COLUMN n int;");
    assert_non_null(must(fx, ACT_ALTER_COLUMN_OTHER));
    assert_non_null(must(fx, ACT_ADD_COLUMN));
    assert_int_equal(fx->locks.len, 1);
    assert_int_equal(lock_on(fx, "public.t"), LOCK_ACCESS_EXCLUSIVE);
}

static void test_partitions(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE m (id int, d date) PARTITION BY RANGE (d);\n"
                "CREATE TABLE m_2024 (id int, d date);\n"
                "CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');");
    assert_true(table(t, NULL, "m")->partitioned);
    assert_non_null(catalog_find_column(table(t, NULL, "m_2023"), "d")); /* the parent's columns */

    /* ATTACH PARTITION: ACCESS EXCLUSIVE on the parent until 11, SHARE UPDATE
     * EXCLUSIVE from 12; ACCESS EXCLUSIVE on the partition, scanned */
    const char *attach = "ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";
    for (int v = 11; v <= 17; v++) {
        t->r.pg_version = v;
        const Effects *fx = one(t, attach);
        assert_int_equal(lock_on(fx, "public.m"),
                         v >= 12 ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE);
        assert_int_equal(lock_on(fx, "public.m_2024"), LOCK_ACCESS_EXCLUSIVE);
        assert_int_equal(fx->cost, COST_SCAN);
        const Action *pa = nth_action(fx, ACT_ALTER_TABLE_OTHER, 1);
        assert_non_null(pa);
        assert_string_equal(pa->table, "public.m_2024");
        assert_cost(pa, COST_SCAN);
    }

    /* DETACH: ACCESS EXCLUSIVE on both; CONCURRENTLY (14+) SHARE UPDATE EXCLUSIVE */
    const Effects *fx = one(t, "ALTER TABLE m DETACH PARTITION m_2024;");
    assert_int_equal(lock_on(fx, "public.m"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.m_2024"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(fx->cost, COST_CATALOG);
    fx = one(t, "ALTER TABLE m DETACH PARTITION m_2024 CONCURRENTLY;");
    const Action *a = must(fx, ACT_ALTER_TABLE_OTHER);
    assert_flag(a, A_CONCURRENT);
    assert_int_equal(lock_on(fx, "public.m"), LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_int_equal(lock_on(fx, "public.m_2024"), LOCK_SHARE_UPDATE_EXCLUSIVE);
    fx = one(t, "ALTER TABLE m DETACH PARTITION m_2024 FINALIZE;");
    assert_int_equal(lock_on(fx, "public.m"), LOCK_SHARE_UPDATE_EXCLUSIVE);

    /* CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on the parent on
     * every version (only ATTACH got lighter); INHERITS SHARE UPDATE EXCLUSIVE */
    for (int v = 11; v <= 17; v++) {
        t->r.pg_version = v;
        fx = one(t, arena_printf(t->a, "CREATE TABLE m_%d PARTITION OF m FOR VALUES FROM "
                                       "('%d-01-01') TO ('%d-01-01');", 2000 + v, 2000 + v, 2001 + v));
        assert_int_equal(lock_on(fx, "public.m"), LOCK_ACCESS_EXCLUSIVE);
        assert_flag(must(fx, ACT_CREATE_TABLE), A_NEW_TABLE);
    }
    fx = one(t, "CREATE TABLE child () INHERITS (m_2024);");
    assert_int_equal(lock_on(fx, "public.m_2024"), LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_non_null(catalog_find_column(table(t, NULL, "child"), "id"));
}

/* ---- indexes ------------------------------------------------------------------ */

static void test_create_index(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int, email text, a int, b int);");
    /* CREATE INDEX: SHARE (blocks writes, not reads) */
    const Effects *fx = one(t, "CREATE INDEX t_email ON t (email);");
    const Action *a = must(fx, ACT_CREATE_INDEX);
    assert_lock(a, LOCK_SHARE);
    assert_cost(a, COST_INDEX);
    assert_string_equal(a->column, "t_email");
    assert_string_equal(a->detail, "email");
    assert_no_flag(a, A_CONCURRENT);
    assert_no_flag(a, A_UNIQUE);
    assert_int_equal(lock_on(fx, "public.t"), LOCK_SHARE);
    Index *ix = catalog_find_index(t->cat, "public", "t_email");
    assert_non_null(ix);
    assert_false(ix->unique);
    assert_false(ix->partial);
    assert_true(ix->valid);
    assert_int_equal(ix->created_in, 1);

    /* CONCURRENTLY: SHARE UPDATE EXCLUSIVE */
    fx = one(t, "CREATE UNIQUE INDEX CONCURRENTLY t_a_b ON t (a, b) WHERE a > 0;");
    a = must(fx, ACT_CREATE_INDEX);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_cost(a, COST_INDEX);
    assert_flag(a, A_CONCURRENT);
    assert_flag(a, A_UNIQUE);
    assert_string_equal(a->detail, "a_b");
    ix = catalog_find_index(t->cat, NULL, "t_a_b");
    assert_true(ix->unique);
    assert_true(ix->partial);
    assert_int_equal(ix->columns.len, 2);

    /* the default name: "<table>_<columns>_idx" */
    one(t, "CREATE INDEX ON t (a, email);");
    assert_non_null(catalog_find_index(t->cat, NULL, "t_a_email_idx"));
    /* IF NOT EXISTS on an existing index builds nothing */
    a = must(one(t, "CREATE INDEX IF NOT EXISTS t_email ON t (email);"), ACT_CREATE_INDEX);
    assert_cost(a, COST_CATALOG);

    /* on a table of this release: still a build, but nothing live waits */
    one(t, "CREATE TABLE fresh (x int);");
    a = must(one(t, "CREATE INDEX fresh_x ON fresh (x);"), ACT_CREATE_INDEX);
    assert_flag(a, A_NEW_TABLE);
}

static void test_drop_index_and_reindex(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int, email text);\n"
                "CREATE INDEX t_email ON t (email);\n"
                "CREATE INDEX t_id ON t (id);");
    /* DROP INDEX: ACCESS EXCLUSIVE on the table */
    const Effects *fx = one(t, "DROP INDEX t_email;");
    const Action *a = must(fx, ACT_DROP_INDEX);
    assert_string_equal(a->table, "public.t");
    assert_string_equal(a->column, "t_email");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_int_equal(lock_on(fx, "public.t"), LOCK_ACCESS_EXCLUSIVE);
    assert_null(catalog_find_index(t->cat, NULL, "t_email"));

    /* REINDEX: SHARE on the table; CONCURRENTLY: SHARE UPDATE EXCLUSIVE */
    a = must(one(t, "REINDEX INDEX t_id;"), ACT_REINDEX);
    assert_string_equal(a->table, "public.t");
    assert_lock(a, LOCK_SHARE);
    assert_cost(a, COST_INDEX);
    a = must(one(t, "REINDEX TABLE t;"), ACT_REINDEX);
    assert_lock(a, LOCK_SHARE);
    a = must(one(t, "REINDEX INDEX CONCURRENTLY t_id;"), ACT_REINDEX);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_flag(a, A_CONCURRENT);

    /* DROP INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE */
    fx = one(t, "DROP INDEX CONCURRENTLY t_id;");
    a = must(fx, ACT_DROP_INDEX);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_flag(a, A_CONCURRENT);
    assert_null(catalog_find_index(t->cat, NULL, "t_id"));

    /* an index never seen */
    a = must(one(t, "DROP INDEX nowhere_idx;"), ACT_DROP_INDEX);
    assert_flag(a, A_ASSUMED);
    a = must(one(t, "DROP INDEX IF EXISTS nowhere_idx;"), ACT_DROP_INDEX);
    assert_no_flag(a, A_ASSUMED);
}

/* ---- renames ------------------------------------------------------------------ */

static void test_renames(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int PRIMARY KEY, email text, CONSTRAINT email_len CHECK (length(email) < 100));\n"
                "CREATE INDEX t_email_idx ON t (email);\n"
                "CREATE UNIQUE INDEX t_id_email ON t (id, email);");
    const Action *a = must(one(t, "ALTER TABLE t RENAME COLUMN email TO mail;"), ACT_RENAME_COLUMN);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_string_equal(a->column, "email");
    assert_string_equal(a->detail, "mail");
    assert_null(catalog_find_column(table(t, NULL, "t"), "email"));
    assert_non_null(column(t, "t", "mail"));
    /* the indexes on the column follow it */
    Index *ix = catalog_find_index(t->cat, NULL, "t_email_idx");
    assert_string_equal(LIST_GET(&ix->columns, 0), "mail");
    ix = catalog_find_index(t->cat, NULL, "t_id_email");
    assert_string_equal(LIST_GET(&ix->columns, 0), "id");
    assert_string_equal(LIST_GET(&ix->columns, 1), "mail");

    /* ALTER INDEX RENAME: ACCESS EXCLUSIVE on the table until 11; from 12 SHARE
     * UPDATE EXCLUSIVE on the index alone, so none on the table */
    t->r.pg_version = 11;
    a = must(one(t, "ALTER INDEX t_email_idx RENAME TO t_mail_idx;"), ACT_RENAME_INDEX);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_string_equal(a->table, "public.t");
    assert_string_equal(a->column, "t_email_idx");
    assert_string_equal(a->detail, "t_mail_idx");
    t->r.pg_version = 12;
    a = must(one(t, "ALTER INDEX t_mail_idx RENAME TO t_mail;"), ACT_RENAME_INDEX);
    assert_lock(a, LOCK_NONE);
    assert_cost(a, COST_CATALOG);
    assert_null(catalog_find_index(t->cat, NULL, "t_mail_idx"));
    assert_non_null(catalog_find_index(t->cat, NULL, "t_mail"));
    t->r.pg_version = 15;

    /* renaming the index behind a constraint renames the constraint, and back */
    one(t, "ALTER INDEX t_pkey RENAME TO t_primary;");
    assert_null(catalog_find_constraint(table(t, NULL, "t"), "t_pkey"));
    assert_string_equal(constraint(t, "t", "t_primary")->index, "t_primary");
    a = must(one(t, "ALTER TABLE t RENAME CONSTRAINT t_primary TO t_pk;"), ACT_RENAME_CONSTRAINT);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_string_equal(a->column, "t_primary");
    assert_string_equal(a->detail, "t_pk");
    assert_non_null(catalog_find_index(t->cat, NULL, "t_pk"));
    assert_string_equal(constraint(t, "t", "t_pk")->index, "t_pk");
    one(t, "ALTER TABLE t RENAME CONSTRAINT email_len TO mail_len;");
    assert_non_null(constraint(t, "t", "mail_len"));
    assert_null(catalog_find_constraint(table(t, NULL, "t"), "email_len"));

    /* the table: its indexes follow */
    a = must(one(t, "ALTER TABLE t RENAME TO customers;"), ACT_RENAME_TABLE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_string_equal(a->table, "public.t");
    assert_string_equal(a->detail, "customers");
    assert_null(catalog_find_table(t->cat, NULL, "t"));
    assert_non_null(catalog_find_table(t->cat, "public", "customers"));
    assert_string_equal(catalog_find_index(t->cat, NULL, "t_mail")->table, "customers");
    a = must(one(t, "ALTER TABLE customers ADD COLUMN n int;"), ACT_ADD_COLUMN);
    assert_no_flag(a, A_ASSUMED);

    /* a foreign key follows the table it references */
    deployed(t, "CREATE TABLE orders (id int, customer_id int REFERENCES customers (id));");
    assert_string_equal(constraint(t, "orders", "orders_customer_id_fkey")->ref_table,
                        "public.customers");
    one(t, "ALTER TABLE customers RENAME TO clients;");
    assert_string_equal(constraint(t, "orders", "orders_customer_id_fkey")->ref_table,
                        "public.clients");

    /* SET SCHEMA: the indexes move with the table */
    deployed(t, "CREATE SCHEMA archive;");
    a = must(one(t, "ALTER TABLE clients SET SCHEMA archive;"), ACT_SET_SCHEMA);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_string_equal(a->detail, "archive");
    assert_non_null(catalog_find_table(t->cat, "archive", "clients"));
    assert_null(catalog_find_table(t->cat, "public", "clients"));
    ix = catalog_find_index(t->cat, "archive", "t_mail");
    assert_non_null(ix);
    assert_string_equal(ix->table_schema, "archive");
    assert_string_equal(constraint(t, "orders", "orders_customer_id_fkey")->ref_table,
                        "archive.clients");
    const Effects *fx = one(t, "DROP INDEX archive.t_mail;");
    assert_string_equal(must(fx, ACT_DROP_INDEX)->table, "archive.clients");
    assert_int_equal(lock_on(fx, "archive.clients"), LOCK_ACCESS_EXCLUSIVE);
    /* and dropping the key now locks the referenced table where it is */
    fx = one(t, "ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;");
    assert_int_equal(lock_on(fx, "archive.clients"), LOCK_ACCESS_EXCLUSIVE);

    /* ALTER SCHEMA RENAME: everything in it moves, and no relation is locked */
    deployed(t, "CREATE TYPE archive.state AS ENUM ('open');\n"
                "ALTER TABLE archive.clients ADD COLUMN state archive.state;\n"
                "CREATE VIEW archive.open_clients AS SELECT id FROM archive.clients;");
    fx = one(t, "ALTER SCHEMA archive RENAME TO attic;");
    a = must(fx, ACT_SET_SCHEMA);
    assert_string_equal(a->table, "archive.clients");
    assert_string_equal(a->detail, "attic");
    assert_int_equal(lock_on(fx, "archive.clients"), LOCK_NONE);
    assert_null(catalog_find_table(t->cat, "archive", "clients"));
    assert_non_null(catalog_find_table(t->cat, "attic", "clients"));
    assert_non_null(catalog_find_view(t->cat, "attic", "open_clients"));
    assert_null(catalog_find_view(t->cat, "archive", "open_clients"));
    assert_string_equal(catalog_find_column(catalog_find_table(t->cat, "attic", "clients"), "state")->type,
                        "attic.state");
    assert_non_null(catalog_find_enum(t->cat, "attic", "state"));
    bool attic = false, archive = false;
    for (int i = 0; i < t->cat->schemas.len; i++) {
        attic |= strcmp(LIST_GET(&t->cat->schemas, i), "attic") == 0;
        archive |= strcmp(LIST_GET(&t->cat->schemas, i), "archive") == 0;
    }
    assert_true(attic && !archive);
}

/* ---- DROP ------------------------------------------------------------------- */

static void test_drops(void **state)
{
    T *t = *state;
    deployed(t, "CREATE SCHEMA app;\n"
                "CREATE TABLE t (id int);\n"
                "CREATE INDEX t_id ON t (id);\n"
                "CREATE TABLE app.a (id int);\n"
                "CREATE VIEW v AS SELECT id FROM t;\n"
                "CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;\n"
                "CREATE SEQUENCE s;\n"
                "CREATE TYPE mood AS ENUM ('ok', 'sad');");
    assert_non_null(catalog_find_view(t->cat, NULL, "v"));
    assert_true(catalog_find_view(t->cat, NULL, "mv")->materialized);
    assert_non_null(catalog_find_sequence(t->cat, "public", "s"));

    const Effects *fx = one(t, "DROP TABLE t;");
    const Action *a = must(fx, ACT_DROP_TABLE);
    assert_string_equal(a->table, "public.t");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_CATALOG);
    assert_null(catalog_find_table(t->cat, NULL, "t"));
    assert_null(catalog_find_index(t->cat, NULL, "t_id")); /* with its indexes */
    a = must(one(t, "DROP TABLE never;"), ACT_DROP_TABLE);
    assert_flag(a, A_ASSUMED);
    fx = one(t, "DROP TABLE IF EXISTS never2;");
    assert_null(nth_action(fx, ACT_DROP_TABLE, 0));

    /* found along the path, the object keeps its own schema */
    one(t, "SET search_path TO app, public;");
    a = must(one(t, "DROP VIEW v;"), ACT_DROP_VIEW);
    assert_string_equal(a->table, "public.v");
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE); /* queries on the view queue behind it */
    assert_null(catalog_find_view(t->cat, NULL, "v"));
    one(t, "DROP MATERIALIZED VIEW mv;");
    assert_null(catalog_find_view(t->cat, NULL, "mv"));
    assert_string_equal(must(one(t, "DROP SEQUENCE s;"), ACT_DROP_SEQUENCE)->table, "public.s");
    assert_null(catalog_find_sequence(t->cat, NULL, "s"));
    assert_string_equal(must(one(t, "DROP TYPE mood;"), ACT_DROP_TYPE)->table, "public.mood");
    assert_null(catalog_find_enum(t->cat, NULL, "mood"));
    /* CASCADE drops the columns of the type, as DROP COLUMN does */
    deployed(t, "CREATE TYPE public.state AS ENUM ('open');\n"
                "CREATE TABLE public.ticket (id int, state public.state NOT NULL, note text);");
    const Effects *dfx = one(t, "DROP TYPE public.state CASCADE;");
    const Action *dc = must(dfx, ACT_DROP_COLUMN);
    assert_string_equal(dc->table, "public.ticket");
    assert_string_equal(dc->column, "state");
    assert_int_equal(lock_on(dfx, "public.ticket"), LOCK_ACCESS_EXCLUSIVE);
    assert_null(catalog_find_column(table(t, "public", "ticket"), "state"));
    assert_non_null(catalog_find_column(table(t, "public", "ticket"), "note"));

    one(t, "CREATE VIEW app.av AS SELECT 1;\n");
    one(t, "CREATE SEQUENCE app.aseq;");
    one(t, "CREATE TYPE app.amood AS ENUM ('x');");
    a = must(one(t, "DROP SCHEMA app CASCADE;"), ACT_DROP_SCHEMA);
    assert_string_equal(a->table, "app");
    assert_false(catalog_has_schema(t->cat, "app"));
    assert_null(catalog_find_table(t->cat, "app", "a"));
    /* CASCADE takes everything in it along */
    assert_null(catalog_find_view(t->cat, "app", "av"));
    assert_null(catalog_find_sequence(t->cat, "app", "aseq"));
    assert_null(catalog_find_enum(t->cat, "app", "amood"));

    a = must(one(t, "DROP DATABASE prod;"), ACT_DROP_DATABASE);
    assert_string_equal(a->table, "prod");
}

/* ---- enums ------------------------------------------------------------------ */

static void test_enums(void **state)
{
    T *t = *state;
    const Effects *fx = one(t, "CREATE TYPE status AS ENUM ('new', 'paid');");
    const Action *a = must(fx, ACT_CREATE_ENUM);
    assert_string_equal(a->table, "public.status");
    EnumType *e = catalog_find_enum(t->cat, "public", "status");
    assert_non_null(e);
    assert_int_equal(e->values.len, 2);
    assert_string_equal(LIST_GET(&e->values, 1), "paid");

    /* a column of the enum names it schema-qualified */
    one(t, "CREATE TABLE orders (s status NOT NULL);");
    assert_string_equal(column(t, "orders", "s")->type, "public.status");

    a = must(one(t, "ALTER TYPE status ADD VALUE 'shipped';"), ACT_ADD_ENUM_VALUE);
    assert_string_equal(a->table, "public.status");
    assert_string_equal(a->detail, "shipped");
    assert_no_flag(a, A_ASSUMED);
    assert_int_equal(e->values.len, 3);
    assert_string_equal(LIST_GET(&e->values, 2), "shipped");
    one(t, "ALTER TYPE status ADD VALUE IF NOT EXISTS 'paid';");
    assert_int_equal(e->values.len, 3);

    a = must(one(t, "ALTER TYPE status RENAME VALUE 'new' TO 'created';"), ACT_RENAME_ENUM_VALUE);
    assert_string_equal(a->column, "new");
    assert_string_equal(a->detail, "created");
    assert_string_equal(LIST_GET(&e->values, 0), "created");

    /* a renamed type keeps its columns */
    one(t, "ALTER TYPE status RENAME TO order_status;");
    assert_non_null(catalog_find_enum(t->cat, NULL, "order_status"));
    assert_null(catalog_find_enum(t->cat, NULL, "status"));
    assert_string_equal(column(t, "orders", "s")->type, "public.order_status");

    a = must(one(t, "ALTER TYPE unknown_type ADD VALUE 'x';"), ACT_ADD_ENUM_VALUE);
    assert_flag(a, A_ASSUMED);
}

/* ---- objects never seen --------------------------------------------------- */

static void test_assumed_objects_and_baseline(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE known (id int);");
    t->r.baseline = catalog_copy(t->cat);

    const Effects *fx = one(t, "ALTER TABLE legacy ADD COLUMN note text;");
    const Action *a = must(fx, ACT_ADD_COLUMN);
    assert_flag(a, A_ASSUMED);
    assert_no_flag(a, A_NEW_TABLE);
    Table *lt = table(t, "public", "legacy");
    assert_true(lt->assumed);
    assert_int_equal(lt->created_in, -1);
    /* the table was live before the release: the old code's model has it */
    Table *bt = catalog_find_table(t->r.baseline, "public", "legacy");
    assert_non_null(bt);
    assert_true(bt->assumed);
    assert_null(catalog_find_column(bt, "note")); /* added by the release, not live */

    /* a column named on an assumed table is taken as existing, in both */
    a = must(one(t, "ALTER TABLE legacy ALTER COLUMN code SET NOT NULL;"), ACT_SET_NOT_NULL);
    assert_flag(a, A_ASSUMED);
    Column *c = column(t, "legacy", "code");
    assert_true(c->assumed);
    assert_null(c->type);
    assert_true(c->not_null);
    Column *bc = catalog_find_column(bt, "code");
    assert_non_null(bc);
    assert_true(bc->assumed);
    assert_false(bc->not_null);

    /* a table seen in the history is not assumed, nor are its columns */
    a = must(one(t, "ALTER TABLE known DROP COLUMN ghost;"), ACT_DROP_COLUMN);
    assert_no_flag(a, A_ASSUMED);
    assert_null(catalog_find_column(table(t, NULL, "known"), "ghost"));
    assert_null(catalog_find_column(catalog_find_table(t->r.baseline, NULL, "known"), "ghost"));

    /* DML and DROP assume too */
    a = must(one(t, "UPDATE other SET x = 1 WHERE id = 2;"), ACT_UPDATE);
    assert_flag(a, A_ASSUMED);
    assert_non_null(catalog_find_table(t->r.baseline, "public", "other"));
    a = must(one(t, "DROP TABLE gone;"), ACT_DROP_TABLE);
    assert_flag(a, A_ASSUMED);
    assert_non_null(catalog_find_table(t->r.baseline, "public", "gone"));
    assert_null(catalog_find_table(t->cat, "public", "gone"));

    /* without a baseline nothing else is touched */
    catalog_free(t->r.baseline);
    t->r.baseline = NULL;
    a = must(one(t, "ALTER TABLE legacy2 ADD COLUMN x int;"), ACT_ADD_COLUMN);
    assert_flag(a, A_ASSUMED);
}

/* ---- DML, session, transactions, the unanalysable ----------------------------- */

static void test_dml(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int, flag bool);");
    const Effects *fx = one(t, "UPDATE t SET flag = false;");
    const Action *a = must(fx, ACT_UPDATE);
    assert_flag(a, A_NO_WHERE);
    assert_lock(a, LOCK_ROW_EXCLUSIVE);
    assert_cost(a, COST_ROWS);
    assert_int_equal(fx->cost, COST_ROWS);
    assert_int_equal(lock_on(fx, "public.t"), LOCK_ROW_EXCLUSIVE);
    a = must(one(t, "UPDATE t SET flag = true WHERE id < 100;"), ACT_UPDATE);
    assert_no_flag(a, A_NO_WHERE);
    a = must(one(t, "DELETE FROM t;"), ACT_DELETE);
    assert_flag(a, A_NO_WHERE);
    assert_lock(a, LOCK_ROW_EXCLUSIVE);
    a = must(one(t, "DELETE FROM t WHERE flag;"), ACT_DELETE);
    assert_no_flag(a, A_NO_WHERE);
    a = must(one(t, "INSERT INTO t (id) VALUES (1);"), ACT_INSERT);
    assert_no_flag(a, A_NO_WHERE);
    assert_lock(a, LOCK_ROW_EXCLUSIVE);
    assert_cost(a, COST_ROWS);

    /* LOCK TABLE takes the mode it names, ACCESS EXCLUSIVE by default */
    a = must(one(t, "LOCK TABLE t;"), ACT_LOCK_TABLE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    a = must(one(t, "LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE;"), ACT_LOCK_TABLE);
    assert_lock(a, LOCK_SHARE_ROW_EXCLUSIVE);
    a = must(one(t, "TRUNCATE t;"), ACT_TRUNCATE);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);

    /* VACUUM FULL and CLUSTER rewrite under ACCESS EXCLUSIVE; VACUUM does not */
    a = must(one(t, "VACUUM FULL t;"), ACT_VACUUM_FULL);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_REWRITE);
    a = must(one(t, "VACUUM (FULL, ANALYZE) t;"), ACT_VACUUM_FULL);
    assert_cost(a, COST_REWRITE);
    a = must(one(t, "VACUUM t;"), ACT_VACUUM);
    assert_lock(a, LOCK_SHARE_UPDATE_EXCLUSIVE);
    assert_true(a->cost < COST_REWRITE);
    deployed(t, "CREATE INDEX t_id ON t (id);");
    a = must(one(t, "CLUSTER t USING t_id;"), ACT_CLUSTER);
    assert_lock(a, LOCK_ACCESS_EXCLUSIVE);
    assert_cost(a, COST_REWRITE);

    /* CREATE TRIGGER: SHARE ROW EXCLUSIVE */
    a = must(one(t, "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"),
             ACT_CREATE_TRIGGER);
    assert_lock(a, LOCK_SHARE_ROW_EXCLUSIVE);
}

static void test_session_and_transactions(void **state)
{
    T *t = *state;
    run(t, "BEGIN;\n"
           "SET lock_timeout = '1s';\n"
           "SET lock_timeout = 0;\n"
           "SET lock_timeout TO '0';\n"
           "SET LOCAL lock_timeout = '5s';\n"
           "SET statement_timeout = '30s';\n"
           "RESET lock_timeout;\n"
           "SET work_mem = '64MB';\n"
           "COMMIT;\n"
           "START TRANSACTION;\n"
           "ROLLBACK;", true);
    assert_int_equal(t->nfx, 11);
    assert_non_null(must(t->fx[0], ACT_BEGIN));
    assert_int_equal(t->fx[0]->cost, COST_NONE);
    assert_int_equal(t->fx[0]->locks.len, 0);

    const Action *a = must(t->fx[1], ACT_SET_LOCK_TIMEOUT);
    assert_string_equal(a->detail, "1s");
    assert_no_flag(a, A_ZERO);
    assert_no_flag(a, A_LOCAL);
    assert_cost(a, COST_NONE);
    assert_lock(a, LOCK_NONE);
    assert_flag(must(t->fx[2], ACT_SET_LOCK_TIMEOUT), A_ZERO);
    assert_flag(must(t->fx[3], ACT_SET_LOCK_TIMEOUT), A_ZERO);
    a = must(t->fx[4], ACT_SET_LOCK_TIMEOUT);
    assert_flag(a, A_LOCAL);
    assert_no_flag(a, A_ZERO);
    assert_string_equal(a->detail, "5s");
    a = must(t->fx[5], ACT_SET_STATEMENT_TIMEOUT);
    assert_string_equal(a->detail, "30s");
    assert_no_flag(a, A_ZERO);
    assert_flag(must(t->fx[6], ACT_SET_LOCK_TIMEOUT), A_ZERO); /* back to the default: none */
    assert_string_equal(must(t->fx[7], ACT_SET_OTHER)->detail, "work_mem");
    assert_non_null(must(t->fx[8], ACT_COMMIT));
    assert_non_null(must(t->fx[9], ACT_BEGIN));
    assert_non_null(must(t->fx[10], ACT_ROLLBACK));
}

static void test_not_analysed(void **state)
{
    T *t = *state;
    run(t, "DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;\n"
           "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
           "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;\n"
           "CALL p();\n"
           "COMMENT ON TABLE x IS 'hi';\n"
           "GRANT SELECT ON x TO app;\n"
           "CREATE EXTENSION IF NOT EXISTS pgcrypto;", true);
    assert_int_equal(t->nfx, 7);
    /* DO and CALL are not analysed; creating a function is harmless, and a
     * LANGUAGE sql body naming no table locks nothing */
    for (int i = 0; i < 4; i += 3) {
        const Action *a = must(t->fx[i], ACT_NOT_ANALYSED);
        assert_non_null(a->detail);
        assert_lock(a, LOCK_NONE);
    }
    assert_non_null(strstr(must(t->fx[0], ACT_NOT_ANALYSED)->detail, "EXECUTE of a string built at run time"));
    assert_lock(must(t->fx[1], ACT_HARMLESS), LOCK_NONE);
    assert_int_equal(t->fx[2]->locks.len, 0);
    assert_null(nth_action(t->fx[2], ACT_NOT_ANALYSED, 0));
    for (int i = 4; i < 7; i++)
        assert_non_null(must(t->fx[i], ACT_HARMLESS));
    /* replay with no Effects changes the catalog only */
    Migration *m = migration(t, "x", "CREATE TABLE quiet (id int);");
    ZdmError err = {0};
    assert_int_equal(replay_statement(&t->r, m, m->stmts[0], NULL, &err), 0);
    assert_non_null(catalog_find_table(t->cat, NULL, "quiet"));
}

/* A LANGUAGE sql body is checked as the function is created: the locks of
 * its statements' analysis, not of running them. */
static void test_sql_function_body_locks(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE a (id int PRIMARY KEY, n int);\n"
                "CREATE TABLE b (id int);\n"
                "CREATE VIEW v AS SELECT * FROM b;\n"
                "CREATE SEQUENCE s;");
    run(t, "CREATE FUNCTION f(int) RETURNS void LANGUAGE sql AS $$\n"
           "  INSERT INTO a SELECT id, 0 FROM v; SELECT nextval('s'); $$;\n"
           "CREATE FUNCTION g() RETURNS SETOF a LANGUAGE sql BEGIN ATOMIC SELECT * FROM a FOR UPDATE; END;\n"
           "CREATE FUNCTION h(anyelement) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM a $$;\n"
           "CREATE FUNCTION bad() RETURNS int LANGUAGE sql AS $$ SELEC 1 $$;\n"
           "SET check_function_bodies = off;\n"
           "CREATE FUNCTION k() RETURNS bigint LANGUAGE sql RETURN (SELECT count(*) FROM b);",
        true);
    assert_int_equal(t->nfx, 6);
    assert_int_equal(lock_on(t->fx[0], "public.a"), LOCK_ROW_EXCLUSIVE);
    assert_int_equal(lock_on(t->fx[0], "public.v"), LOCK_ACCESS_SHARE);
    assert_int_equal(lock_on(t->fx[0], "public.b"), LOCK_ACCESS_SHARE); /* rewritten */
    assert_int_equal(lock_on(t->fx[0], "public.s"), LOCK_NONE);         /* not run */
    assert_int_equal(lock_on(t->fx[1], "public.a"), LOCK_ROW_SHARE);
    assert_int_equal(t->fx[2]->locks.len, 0); /* polymorphic: not checked */
    /* a body that does not parse: PostgreSQL refuses it; zdm says so */
    assert_non_null(strstr(must(t->fx[3], ACT_NOT_ANALYSED)->detail, "does not parse"));
    assert_int_equal(t->fx[5]->locks.len, 0); /* check_function_bodies off */
}

/* setval, nextval and currval take ROW EXCLUSIVE on their sequence; a
 * top-level SELECT locks what it reads. */
static void test_select_and_sequence_functions(void **state)
{
    T *t = *state;
    deployed(t, "CREATE SCHEMA app; CREATE TABLE a (id serial PRIMARY KEY);\n"
                "CREATE SEQUENCE app.\"Seq\"; CREATE VIEW v AS SELECT * FROM a;");
    run(t, "SELECT setval('a_id_seq', coalesce((SELECT max(id) FROM a), 1));\n"
           "SELECT nextval('app.\"Seq\"'::regclass), currval('APP.\"Seq\"');\n"
           "SELECT * FROM v FOR SHARE;\n"
           "WITH a AS (SELECT 1) SELECT * FROM a;\n"
           "SELECT * INTO copy FROM a;\n"
           "CREATE FUNCTION app.f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
           "SELECT app.f();\n"
           "DROP FUNCTION app.f();\n"
           "SELECT app.f(), lower('X');",
        true);
    assert_int_equal(t->nfx, 9);
    /* a function the migrations created runs what zdm does not follow */
    assert_non_null(strstr(must(t->fx[6], ACT_NOT_ANALYSED)->detail, "app.f()"));
    assert_null(nth_action(t->fx[8], ACT_NOT_ANALYSED, 0)); /* dropped: no longer theirs */

    assert_int_equal(lock_on(t->fx[0], "public.a_id_seq"), LOCK_ROW_EXCLUSIVE);
    assert_int_equal(lock_on(t->fx[0], "public.a"), LOCK_ACCESS_SHARE);
    assert_int_equal(lock_on(t->fx[1], "app.Seq"), LOCK_ROW_EXCLUSIVE);
    assert_int_equal(t->fx[1]->locks.len, 1); /* both name the same sequence */
    assert_int_equal(lock_on(t->fx[2], "public.v"), LOCK_ROW_SHARE);
    assert_int_equal(lock_on(t->fx[2], "public.a"), LOCK_ACCESS_SHARE); /* what v reads */
    assert_int_equal(t->fx[3]->locks.len, 0); /* a CTE is no table */
    must(t->fx[4], ACT_CREATE_TABLE);
    assert_non_null(catalog_find_table(t->cat, NULL, "copy"));
}

/* Names PostgreSQL generates (checked against PostgreSQL 18 by hand and by
 * tests/golden/rules/unknown-object/quiet-truncated-names in the lock test). */
static void test_generated_names(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id int PRIMARY KEY, a int, b text, email text, c int CHECK (c > 0),\n"
                "  d int, CHECK (a > d), CHECK (a > 0));\n"
                "CREATE INDEX ON t (a) INCLUDE (b);\n"
                "CREATE INDEX ON t (lower(email));\n"
                "CREATE INDEX ON t ((a + d));\n"
                "CREATE INDEX ON t ((b::varchar));\n"
                "CREATE INDEX ON t (('x'::text));\n"
                "CREATE INDEX ON t ((coalesce(a, d)));\n"
                "CREATE INDEX ON t ((CASE WHEN a > 0 THEN 1 END));\n"
                "CREATE INDEX ON t (a, a);\n"
                "CREATE INDEX ON t (lower(email), lower(b));\n"
                "CREATE INDEX ON t ((b COLLATE \"C\"));\n"
                "CREATE INDEX ON t ((a IS NULL));\n"
                "ALTER TABLE t ADD UNIQUE (a, d);\n"
                "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES t (id);\n"
                "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES t (id);\n"
                "CREATE TABLE u (v int UNIQUE, CHECK (v > 0)); ALTER TABLE u ADD CHECK (v > 1);\n"
                "CREATE TABLE abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefgh_one (x int UNIQUE);\n"
                "CREATE TABLE abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefgh_two (x int UNIQUE);\n"
                "CREATE TABLE \"ääääääääääääääääääääääääääääääää\" (id int PRIMARY KEY);");
    static const char *indexes[] = {
        "t_pkey", "t_a_b_idx", "t_lower_idx", "t_expr_idx", "t_b_idx", "t_text_idx",
        "t_coalesce_idx", "t_case_idx", "t_a_a1_idx", "t_lower_lower1_idx", "t_b_idx1",
        "t_expr_idx1", "t_a_d_key", "u_v_key",
        /* cut to 63 bytes: the table part gives way; the second is taken
         * once cut, so it is numbered, and cut one byte more */
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefg_x_key",
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdef_x_key1",
        /* 32 two-byte characters: cut to 29 whole ones (58 bytes), not 58.5 */
        "äääääääääääääääääääääääääääää_pkey",
    };
    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
        assert_true(strlen(indexes[i]) <= 63);
        if (!catalog_find_index(t->cat, NULL, indexes[i]))
            fail_msg("no index %s", indexes[i]);
    }
    const Table *tt = catalog_find_table(t->cat, NULL, "t");
    static const char *cons[] = {"t_c_check", "t_check", "t_a_check", "t_a_fkey", "t_a_fkey1"};
    for (size_t i = 0; i < sizeof cons / sizeof cons[0]; i++)
        if (!catalog_find_constraint(tt, cons[i]))
            fail_msg("no constraint %s", cons[i]);
    const Table *u = catalog_find_table(t->cat, NULL, "u");
    assert_non_null(catalog_find_constraint(u, "u_v_check"));
    assert_non_null(catalog_find_constraint(u, "u_v_check1"));
}

/* A partitioned table's index: ON ONLY is catalog-only on the parent; a
 * plain build locks every partition; ATTACH of an index takes ACCESS SHARE
 * on both tables; DROP takes the partitions with it. */
static void test_partitioned_indexes(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE m (id int, d date) PARTITION BY RANGE (d);\n"
                "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
                "CREATE TABLE m2 (id int, d date) PARTITION BY RANGE (d);\n"
                "ALTER TABLE m ATTACH PARTITION m2 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
                "CREATE TABLE m2a PARTITION OF m2 FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');\n"
                "CREATE TABLE other (id int);");
    run(t, "CREATE INDEX m_id_idx ON ONLY m (id);\n"
           "CREATE INDEX ON m (d);\n"
           "CREATE INDEX CONCURRENTLY m1_id_idx ON m1 (id);\n"
           "ALTER INDEX m_id_idx ATTACH PARTITION m1_id_idx;\n"
           "DROP TABLE m;",
        true);
    assert_int_equal(t->nfx, 5);
    const Action *only = must(t->fx[0], ACT_CREATE_INDEX);
    assert_true(only->flags & A_PARTITIONED);
    assert_int_equal(only->cost, COST_CATALOG);
    assert_int_equal(t->fx[0]->locks.len, 1);
    assert_int_equal(lock_on(t->fx[0], "public.m"), LOCK_SHARE);
    const Action *all = must(t->fx[1], ACT_CREATE_INDEX);
    assert_string_equal(all->column, "m_d_idx");
    assert_int_equal(all->cost, COST_INDEX);
    assert_non_null(strstr(all->only_sql, "ON ONLY m"));
    assert_null(all->partition_sql); /* m2 is partitioned in turn: no one-line recipe */
    for (const char *const *p = (const char *const[]){"public.m", "public.m1", "public.m2", "public.m2a", NULL}; *p; p++)
        assert_int_equal(lock_on(t->fx[1], *p), LOCK_SHARE);
    assert_int_equal(lock_on(t->fx[1], "public.other"), LOCK_NONE);
    assert_int_equal(lock_on(t->fx[3], "public.m"), LOCK_ACCESS_SHARE);
    assert_int_equal(lock_on(t->fx[3], "public.m1"), LOCK_ACCESS_SHARE);
    for (const char *const *p = (const char *const[]){"public.m", "public.m1", "public.m2", "public.m2a", NULL}; *p; p++) {
        assert_int_equal(lock_on(t->fx[4], *p), LOCK_ACCESS_EXCLUSIVE);
        assert_null(catalog_find_qualified(t->cat, *p));
    }
    assert_non_null(catalog_find_table(t->cat, NULL, "other"));
}

/* A DO block zdm can follow is replayed as its statements; one it cannot
 * changes nothing and says why. */
static void test_do_block(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE a (id int PRIMARY KEY);");
    run(t, "DO $$ BEGIN\n"
           "  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'x') THEN CREATE EXTENSION x; END IF;\n"
           "  ALTER TABLE a ADD COLUMN b text;\n"
           "  CREATE TABLE c (id int);\n"
           "END $$;\n"
           "DO $$ BEGIN ALTER TABLE a ADD COLUMN d int; FOR i IN 1..3 LOOP NULL; END LOOP; END $$;\n"
           "DO 'BEGIN ALTER TABLE a ADD COLUMN e int; END';\n"
           "DO LANGUAGE plperl $$ 1; $$;\n"
           "DO $$ BEGIN NOT VALID SQL; END $$;\n"
           "DO $$ DECLARE k refcursor; BEGIN OPEN k FOR SELECT 1; CLOSE k; END $$;",
        true);
    assert_int_equal(t->nfx, 6);
    assert_non_null(strstr(must(t->fx[5], ACT_NOT_ANALYSED)->detail, "does not follow (open)"));

    const Table *a = catalog_find_table(t->cat, NULL, "a");
    assert_non_null(catalog_find_column(a, "b"));
    assert_non_null(catalog_find_table(t->cat, NULL, "c"));
    const Action *add = must(t->fx[0], ACT_ADD_COLUMN);
    /* it points into the block, at the column as for a plain ALTER TABLE */
    assert_int_equal(add->offset, (int)(strstr(t->m->text, "b text") - t->m->text));
    assert_int_equal(lock_on(t->fx[0], "public.a"), LOCK_ACCESS_EXCLUSIVE);
    /* a loop: nothing of the block is replayed */
    assert_non_null(strstr(must(t->fx[1], ACT_NOT_ANALYSED)->detail, "a loop"));
    assert_null(catalog_find_column(a, "d"));
    /* single quotes: followed, pointing at the DO */
    assert_int_equal(must(t->fx[2], ACT_ADD_COLUMN)->offset, t->m->stmts[2]->offset);
    assert_non_null(catalog_find_column(a, "e"));
    assert_non_null(strstr(must(t->fx[3], ACT_NOT_ANALYSED)->detail, "plperl"));
    assert_non_null(must(t->fx[4], ACT_NOT_ANALYSED));
}

/* ---- catalog_copy ------------------------------------------------------------ */

static void test_catalog_copy_is_deep(void **state)
{
    T *t = *state;
    deployed(t, "CREATE SCHEMA app;\n"
                "SET search_path TO app, public;\n"
                "CREATE TYPE mood AS ENUM ('ok');\n"
                "CREATE TABLE t (id serial PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x',\n"
                "                m mood, CHECK (name IS NOT NULL));\n"
                "CREATE INDEX t_name ON t (name);\n"
                "CREATE VIEW v AS SELECT 1;\n"
                "CREATE SEQUENCE s;");
    Catalog *copy = catalog_copy(t->cat);
    assert_ptr_not_equal(copy->arena, t->cat->arena);
    Table *ct = catalog_find_table(copy, NULL, "t");
    assert_non_null(ct);
    assert_string_equal(ct->schema, "app");
    assert_int_equal(ct->columns.len, 3);
    assert_int_equal(ct->constraints.len, 2);
    assert_string_equal(catalog_find_column(ct, "name")->default_expr, "'x'");
    assert_string_equal(catalog_find_column(ct, "name")->type_sql, "varchar(20)");
    assert_ptr_not_equal(catalog_find_column(ct, "name")->type_sql,
                         column(t, "t", "name")->type_sql);
    assert_non_null(catalog_find_index(copy, "app", "t_name"));
    assert_non_null(catalog_find_view(copy, NULL, "v"));
    assert_non_null(catalog_find_sequence(copy, NULL, "s"));
    assert_int_equal(catalog_find_enum(copy, NULL, "mood")->values.len, 1);

    /* mutate the copy through the replay: the original stays as it was */
    Catalog *orig = t->cat;
    t->cat = t->r.cat = copy;
    run(t, "ALTER TABLE t RENAME COLUMN name TO title;\n"
           "ALTER TABLE t ALTER title TYPE text;\n"
           "ALTER TABLE t ADD COLUMN extra int;\n"
           "ALTER TABLE t DROP CONSTRAINT t_name_check;\n"
           "ALTER INDEX t_name RENAME TO t_title;\n"
           "ALTER TYPE mood ADD VALUE 'meh';\n"
           "DROP VIEW v;\n"
           "DROP SEQUENCE s;\n"
           "CREATE TABLE only_in_copy (id int);\n"
           "SET search_path TO public;", true);
    t->cat = t->r.cat = orig;

    Table *ot = catalog_find_table(orig, "app", "t");
    assert_int_equal(ot->columns.len, 3);
    Column *name = catalog_find_column(ot, "name");
    assert_non_null(name);
    assert_string_equal(catalog_type_sql(t->a, name), "varchar(20)");
    assert_null(catalog_find_column(ot, "extra"));
    assert_non_null(catalog_find_constraint(ot, "t_name_check"));
    assert_non_null(catalog_find_index(orig, "app", "t_name"));
    assert_string_equal(LIST_GET(&catalog_find_index(orig, "app", "t_name")->columns, 0), "name");
    assert_int_equal(catalog_find_enum(orig, "app", "mood")->values.len, 1);
    assert_non_null(catalog_find_view(orig, "app", "v"));
    assert_non_null(catalog_find_sequence(orig, "app", "s"));
    assert_null(catalog_find_table(orig, NULL, "only_in_copy"));
    assert_int_equal(orig->search_path.len, 2);

    ct = catalog_find_table(copy, "app", "t");
    assert_non_null(catalog_find_column(ct, "title"));
    assert_null(catalog_find_index(copy, "app", "t_name"));
    catalog_free(copy);

    /* the original is intact after the copy is freed */
    assert_string_equal(catalog_find_column(ot, "name")->name, "name");
    assert_string_equal(ot->name, "t");
}

/* ---- SQL as written, for the rules' fixes ---------------------------------- */

static void test_column_types_as_written(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (\n"
                "  a CHARACTER VARYING ( 64 ) NOT NULL, -- a comment, with a comma\n"
                "  b timestamp /* why */ with time zone,\n"
                "  c text COLLATE \"C\" DEFAULT 'x,y',\n"
                "  d numeric(10, 2)[] CONSTRAINT d_pos CHECK (d IS NOT NULL),\n"
                "  e serial,\n"
                "  f int GENERATED ALWAYS AS (e * 2) STORED,\n"
                "  PRIMARY KEY (a)\n"
                ");\n"
                "ALTER TABLE t ADD g integer NOT NULL DEFAULT 0, ADD COLUMN h bigint;\n"
                "ALTER TABLE t ALTER COLUMN h TYPE varchar(8) COLLATE \"C\" USING h::text;");
    assert_string_equal(column(t, "t", "a")->type_sql, "CHARACTER VARYING ( 64 )");
    assert_string_equal(column(t, "t", "b")->type_sql, "timestamp with time zone");
    assert_string_equal(column(t, "t", "c")->type_sql, "text");
    assert_string_equal(column(t, "t", "d")->type_sql, "numeric(10, 2)[]");
    assert_string_equal(column(t, "t", "e")->type_sql, "serial");
    assert_string_equal(column(t, "t", "g")->type_sql, "integer");
    assert_string_equal(column(t, "t", "h")->type_sql, "varchar(8)");

    /* what a statement changing a column knew of it before */
    const Action *a = must(one(t, "ALTER TABLE t RENAME COLUMN a TO mail;"), ACT_RENAME_COLUMN);
    assert_string_equal(a->col_type, "CHARACTER VARYING ( 64 )");
    assert_true(a->col_not_null);
    assert_false(a->col_has_default);
    a = must(one(t, "ALTER TABLE t DROP COLUMN e;"), ACT_DROP_COLUMN);
    assert_string_equal(a->col_type, "serial");
    assert_true(a->col_not_null);
    assert_true(a->col_has_default);
    a = must(one(t, "ALTER TABLE t DROP COLUMN f;"), ACT_DROP_COLUMN);
    assert_true(a->col_has_default); /* generated: INSERTs never name it */
    a = must(one(t, "ALTER TABLE t ALTER COLUMN b TYPE text;"), ACT_ALTER_TYPE);
    assert_string_equal(a->col_type, "timestamp with time zone");
    assert_false(a->col_not_null);
    /* a column zdm never saw created has no type to repeat */
    a = must(one(t, "ALTER TABLE elsewhere RENAME COLUMN x TO y;"), ACT_RENAME_COLUMN);
    assert_null(a->col_type);
}

static void test_add_column_as_written(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id bigint, a int);");
    const Effects *fx = one(t, "ALTER TABLE t ADD COLUMN b text[] DEFAULT ARRAY['a','b'] NOT NULL,\n"
                               "  ADD c int GENERATED ALWAYS AS ( a * 2 ) STORED,\n"
                               "  ADD COLUMN d uuid /* v4 */ DEFAULT gen_random_uuid();");
    const Action *b = nth_action(fx, ACT_ADD_COLUMN, 0);
    assert_string_equal(b->col_type, "text[]");
    assert_string_equal(b->expr_sql, "ARRAY['a','b']");
    const Action *c = nth_action(fx, ACT_ADD_COLUMN, 1);
    assert_string_equal(c->col_type, "int");
    assert_string_equal(c->expr_sql, "a * 2");
    const Action *d = nth_action(fx, ACT_ADD_COLUMN, 2);
    assert_string_equal(d->col_type, "uuid");
    assert_string_equal(d->expr_sql, "gen_random_uuid()");
}

static void test_alter_type_as_written(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (a int, b text, \"Mixed\" text);");
    const Action *a = must(one(t, "ALTER TABLE t ALTER a SET DATA TYPE CHARACTER VARYING(5) "
                                  "USING f(a => 1, x := a) || t.a || a::text;"),
                           ACT_ALTER_TYPE);
    assert_string_equal(a->new_type, "CHARACTER VARYING(5)");
    assert_string_equal(a->detail, "varchar(5)");
    assert_int_equal(a->new_len, 5);
    assert_string_equal(a->expr_sql, "f(a => 1, x := a) || t.a || a::text");
    /* only references to the column itself read NEW: not an argument's name,
     * not another table's column */
    assert_string_equal(a->expr_on_new, "f(a => 1, x := NEW.a) || t.a || NEW.a::text");
    assert_string_equal(column(t, "t", "a")->type_sql, "CHARACTER VARYING(5)");

    a = must(one(t, "ALTER TABLE t ALTER COLUMN \"Mixed\" TYPE int USING length(\"Mixed\"),\n"
                    "  ALTER COLUMN b TYPE char(2)[];"),
             ACT_ALTER_TYPE);
    assert_string_equal(a->new_type, "int");
    assert_int_equal(a->new_len, 0);
    assert_string_equal(a->expr_on_new, "length(NEW.\"Mixed\")");
    a = nth_action(t->fx[0], ACT_ALTER_TYPE, 1);
    assert_string_equal(a->new_type, "char(2)[]");
    assert_null(a->expr_sql);
    assert_int_equal(a->new_len, 0); /* an array: no single length */
}

static void test_add_constraint_as_written(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE p (id bigint PRIMARY KEY);\n"
                "CREATE TABLE t (id bigint, a int, b text);");
    const Effects *fx = one(t, "ALTER TABLE ONLY public.t ADD CONSTRAINT \"Fk\" FOREIGN KEY (a) "
                               "REFERENCES p (id) ON DELETE SET NULL, ADD CHECK ( a > 0 ),\n"
                               "  ADD CONSTRAINT t_pk PRIMARY KEY (id, a);");
    const Action *fk = nth_action(fx, ACT_ADD_CONSTRAINT, 0);
    assert_string_equal(fk->con_sql, "FOREIGN KEY (a) REFERENCES p (id) ON DELETE SET NULL");
    assert_null(fk->col_sql);
    assert_null(fk->coldef_sql);
    assert_string_equal(nth_action(fx, ACT_ADD_CONSTRAINT, 1)->con_sql, "CHECK ( a > 0 )");
    assert_string_equal(nth_action(fx, ACT_ADD_CONSTRAINT, 2)->key_sql, "(id, a)");

    /* constraints written on a new column: as table constraints, and the
     * column definition without them */
    fx = one(t, "ALTER TABLE t ADD COLUMN c int[] DEFAULT ARRAY[1,2] CHECK (c <> '{}') NOT NULL,\n"
                "  ADD \"D d\" bigint CONSTRAINT d_fk REFERENCES p DEFERRABLE UNIQUE;");
    const Action *chk = nth_action(fx, ACT_ADD_CONSTRAINT, 0);
    assert_string_equal(chk->con_sql, "CHECK (c <> '{}')");
    assert_string_equal(chk->col_sql, "c");
    assert_string_equal(chk->coldef_sql, "ADD COLUMN c int[] DEFAULT ARRAY[1,2] NOT NULL");
    const Action *ref = nth_action(fx, ACT_ADD_CONSTRAINT, 1);
    assert_string_equal(ref->con_sql, "FOREIGN KEY (\"D d\") REFERENCES p DEFERRABLE");
    assert_string_equal(ref->coldef_sql, "ADD \"D d\" bigint UNIQUE");
    const Action *uq = nth_action(fx, ACT_ADD_CONSTRAINT, 2);
    assert_string_equal(uq->con_sql, "UNIQUE (\"D d\")");
    assert_string_equal(uq->key_sql, "(\"D d\")");
}

static void test_dml_as_written(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE t (id bigint, a int, b text);\nCREATE TABLE u (id bigint, a int);");
    const Action *a = must(one(t, "UPDATE ONLY t AS x SET a =-1 RETURNING id;"), ACT_UPDATE);
    assert_string_equal(a->set_sql, "a =-1");
    assert_string_equal(a->col_sql, "a");
    assert_string_equal(a->expr_sql, "-1");
    a = must(one(t, "UPDATE t SET a = a + 1, b = 'x,y' /* both */;"), ACT_UPDATE);
    assert_string_equal(a->set_sql, "a = a + 1, b = 'x,y'");
    assert_null(a->col_sql);
    a = must(one(t, "UPDATE t SET (a, b) = (1, 'z');"), ACT_UPDATE);
    assert_string_equal(a->set_sql, "(a, b) = (1, 'z')");
    assert_null(a->col_sql);
    a = must(one(t, "UPDATE t SET a = u.a FROM u WHERE u.id = t.id;"), ACT_UPDATE);
    assert_null(a->set_sql); /* its values come from the join */

    assert_no_flag(must(one(t, "INSERT INTO t VALUES (1, (SELECT 2), 'x');"), ACT_INSERT), A_QUERY);
    assert_flag(must(one(t, "INSERT INTO t SELECT * FROM t;"), ACT_INSERT), A_QUERY);
    assert_flag(must(one(t, "INSERT INTO t TABLE t;"), ACT_INSERT), A_QUERY);
    assert_no_flag(must(one(t, "INSERT INTO t DEFAULT VALUES;"), ACT_INSERT), A_QUERY);
}

static void test_index_as_written(void **state)
{
    T *t = *state;
    deployed(t, "CREATE SCHEMA app;\n"
                "CREATE TABLE t (id bigint PRIMARY KEY, a int, b text, c int);\n"
                "CREATE TABLE app.u (id bigint, a int);\n"
                "CREATE UNIQUE INDEX t_b ON public.t USING btree (lower(b) text_pattern_ops, "
                "c DESC, a) INCLUDE (id) WHERE a > 0 AND b <> 'x,y';\n"
                "CREATE INDEX t_g ON t USING gin ((b::tsvector));\n"
                "CREATE INDEX u_a ON ONLY app.u (a);\n"
                "ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE (c);");
    const Action *a = must(one(t, "REINDEX INDEX t_b;"), ACT_REINDEX);
    assert_string_equal(a->detail, "INDEX");
    assert_flag(a, A_UNIQUE);
    assert_string_equal(a->index_def, "ON t (lower(b) text_pattern_ops, c DESC, a) INCLUDE (id) "
                                      "WHERE a > 0 AND b <> 'x,y'");
    assert_string_equal(must(one(t, "REINDEX INDEX t_g;"), ACT_REINDEX)->index_def,
                        "ON t USING gin ((b::tsvector))");
    assert_string_equal(must(one(t, "REINDEX INDEX app.u_a;"), ACT_REINDEX)->index_def,
                        "ON ONLY app.u (a)");
    /* a constraint's index cannot be replaced by a twin */
    assert_null(must(one(t, "REINDEX INDEX t_c_key;"), ACT_REINDEX)->index_def);
    assert_null(must(one(t, "REINDEX INDEX t_pkey;"), ACT_REINDEX)->index_def);
    /* a renamed column is renamed in the definition */
    run(t, "ALTER TABLE t RENAME COLUMN a TO aa;", true);
    assert_string_equal(must(one(t, "REINDEX INDEX t_b;"), ACT_REINDEX)->index_def,
                        "ON t (lower(b) text_pattern_ops, c DESC, aa) INCLUDE (id) "
                        "WHERE a > 0 AND b <> 'x,y'");
    a = must(one(t, "REINDEX (VERBOSE) TABLE t;"), ACT_REINDEX);
    assert_string_equal(a->detail, "TABLE");
    assert_null(a->index_def);

    assert_string_equal(must(one(t, "create unique index /* c */ t_x\n  on t(c);"),
                             ACT_CREATE_INDEX)->concurrent_sql,
                        "create unique index CONCURRENTLY t_x on t(c)");
    assert_string_equal(must(one(t, "CREATE INDEX\"q\"ON t(c);"), ACT_CREATE_INDEX)->concurrent_sql,
                        "CREATE INDEX CONCURRENTLY \"q\"ON t(c)");
    assert_null(must(one(t, "CREATE INDEX CONCURRENTLY t_y ON t (c);"), ACT_CREATE_INDEX)
                    ->concurrent_sql);
    assert_flag(must(one(t, "DROP SCHEMA app CASCADE;"), ACT_DROP_SCHEMA), A_CASCADE);
}

/* ---- the parser ------------------------------------------------------------ */

static Migration *parsed(T *t, const char *text, ZdmError *err, int *rc)
{
    Migration *m = arena_alloc(t->a, sizeof *m);
    m->name = "0001_x";
    m->file = "migrations/0001_x.sql";
    m->text = arena_strdup(t->a, text);
    m->len = strlen(text);
    *rc = sql_parse_migration(t->a, m, err);
    return m;
}

/* Each place PostgreSQL reads a literal as the enum type records a use of
 * a value the migration added (each checked on PostgreSQL 15, 17 and 18:
 * 55P04 after ADD VALUE in the same transaction); other strings do not. */
static void test_enum_value_uses(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TYPE st AS ENUM ('a', 'b', 'x'); CREATE TABLE o (id int, s st, t text)");
    static const struct {
        const char *sql;
        int uses;
    } cases[] = {
        {"INSERT INTO o VALUES (1, 'x')", 1},
        {"INSERT INTO o (s, id) VALUES ('x', 1), ('a', 2), ('x', 3)", 2},
        {"INSERT INTO o (id, t) VALUES (1, 'x')", 0}, /* a text column */
        {"UPDATE o SET s = 'x' WHERE id = 1", 1},
        {"UPDATE o SET t = 'x' WHERE t = 'x'", 0},
        {"SELECT * FROM o WHERE s = 'x'", 1},
        {"SELECT * FROM o WHERE 'x' = s", 1},
        {"DELETE FROM o WHERE s IN ('a', 'x')", 1},
        {"SELECT CASE s WHEN 'x' THEN 1 WHEN 'a' THEN 2 END FROM o", 1},
        {"SELECT CASE t WHEN 'x' THEN 1 END FROM o", 0},
        {"SELECT 'x'::st", 1},
        {"SELECT CAST('x' AS public.st)", 1},
        {"SELECT 'x'::text", 0},
        {"UPDATE o SET s = 'b' WHERE s = 'a'", 0}, /* old values */
        {"ALTER TABLE o ALTER COLUMN s SET DEFAULT 'x'", 1},
        {"ALTER TABLE o ADD CONSTRAINT k CHECK (s <> 'x')", 1},
        {"ALTER TABLE o ADD COLUMN s2 st DEFAULT 'x'", 1},
        {"ALTER TABLE o ADD COLUMN t2 text DEFAULT 'x'", 0},
        {"ALTER TABLE o ALTER COLUMN t TYPE st USING 'x'", 1},
        {"CREATE INDEX ON o (id) WHERE s = 'x'", 1},
        {"CREATE VIEW vv AS SELECT * FROM o WHERE s = 'x'", 1},
        {"CREATE TABLE o2 (s st DEFAULT 'x', CHECK (s <> 'b'))", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* the 'x' of the migration before renamed away: 'x' is new in each */
        run(t, arena_printf(t->a, "ALTER TYPE st RENAME VALUE 'x' TO 'x%zu'; "
                                  "ALTER TYPE st ADD VALUE 'x'; %s", i, cases[i].sql),
            true);
        int n = 0;
        for (const Action *a; (a = nth_action(t->fx[2], ACT_USE_ENUM_VALUE, n)); n++) {
            assert_string_equal(a->table, "public.st");
            assert_string_equal(a->detail, "x");
        }
        if (n != cases[i].uses)
            fail_msg("%s: %d uses, not %d", cases[i].sql, n, cases[i].uses);
    }
    /* a value there before, even re-added IF NOT EXISTS, is no new one; a
     * later migration starts afresh */
    run(t, "ALTER TYPE st ADD VALUE IF NOT EXISTS 'a'; UPDATE o SET s = 'a'", true);
    assert_null(nth_action(t->fx[1], ACT_USE_ENUM_VALUE, 0));
    run(t, "ALTER TYPE st ADD VALUE 'y'", true);
    run(t, "UPDATE o SET s = 'y'", true);
    assert_null(nth_action(t->fx[0], ACT_USE_ENUM_VALUE, 0));
}

/* Does view v (in public) read table.column, as the replay resolved its query? */
static bool view_reads(T *t, const char *v, const char *table, const char *column)
{
    const View *view = catalog_find_view(t->cat, NULL, v);
    if (!view)
        fail_msg("no view %s", v);
    for (int i = 0; i < view->columns.len; i++) {
        const ViewColumn *vc = LIST_GET(&view->columns, i);
        if (strcmp(vc->table, table) == 0 && strcmp(vc->column, column) == 0)
            return true;
    }
    return false;
}

/* The columns a view reads, resolved scope by scope as PostgreSQL's parser
 * does (each case below was checked against PostgreSQL 15 and 18: an ALTER
 * COLUMN TYPE of a column read fails, of one not read succeeds). */
static void test_view_columns(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE o (id int, cid int, amount int, note text);"
                "CREATE TABLE c (id int, name text, note text);"
                "CREATE VIEW star AS SELECT * FROM o;"
                "ALTER TABLE o ADD COLUMN later int;"
                "CREATE VIEW qual AS SELECT x.note FROM c x JOIN o ON o.cid = x.id;"
                "CREATE VIEW sub AS SELECT name FROM c WHERE id IN (SELECT cid FROM o WHERE amount > 0);"
                "CREATE VIEW whole AS SELECT o, count(*) FROM o GROUP BY o;"
                "CREATE VIEW cte AS WITH c AS (SELECT 1 AS name) SELECT name FROM c;"
                "CREATE VIEW used AS SELECT id FROM c USING_NOTHING;"
                "CREATE VIEW u AS SELECT id FROM o JOIN c USING (id);"
                "CREATE VIEW onview AS SELECT note FROM qual;");
    assert_true(view_reads(t, "star", "public.o", "note"));
    assert_false(view_reads(t, "star", "public.o", "later")); /* added after the view */
    assert_true(view_reads(t, "qual", "public.c", "note"));
    assert_false(view_reads(t, "qual", "public.o", "note"));
    assert_true(view_reads(t, "qual", "public.o", "cid"));
    assert_true(view_reads(t, "qual", "public.c", "id"));
    assert_true(view_reads(t, "sub", "public.c", "name"));
    assert_true(view_reads(t, "sub", "public.o", "amount"));
    assert_false(view_reads(t, "sub", "public.o", "id"));
    assert_false(view_reads(t, "whole", "public.o", "id"));
    assert_false(view_reads(t, "cte", "public.c", "name"));
    assert_true(view_reads(t, "used", "public.c", "id")); /* USING_NOTHING: an alias of c */
    assert_true(view_reads(t, "u", "public.o", "id"));
    assert_true(view_reads(t, "u", "public.c", "id"));
    assert_int_equal(catalog_find_view(t->cat, NULL, "onview")->columns.len, 0);

    /* ALTER COLUMN TYPE names the views that read the column, then their readers */
    run(t, "ALTER TABLE c ALTER COLUMN note TYPE varchar(10)", true);
    const Action *a = must(t->fx[0], ACT_ALTER_TYPE);
    assert_int_equal(a->views.len, 2);
    const ViewRef *r0 = LIST_GET(&a->views, 0), *r1 = LIST_GET(&a->views, 1);
    assert_string_equal(r0->view, "public.qual");
    assert_true(r0->direct);
    assert_string_equal(r1->view, "public.onview");
    assert_false(r1->direct);
    assert_non_null(strstr(r0->definition, "CREATE VIEW qual AS SELECT x.note FROM c x"));
    assert_string_equal(r0->defined_at, "migrations/0001_m.sql:1");
    run(t, "ALTER TABLE o ALTER COLUMN later TYPE bigint", true);
    assert_int_equal(must(t->fx[0], ACT_ALTER_TYPE)->views.len, 0);

    /* a rename keeps the dependency but makes the text stale */
    run(t, "ALTER TABLE c RENAME COLUMN note TO remark; ALTER TABLE c RENAME TO client; "
           "ALTER TABLE client ALTER COLUMN remark TYPE text",
        true);
    a = must(t->fx[2], ACT_ALTER_TYPE);
    assert_int_equal(a->views.len, 2);
    assert_null(((const ViewRef *)LIST_GET(&a->views, 0))->definition);

    /* DROP COLUMN drops the views that read it, and their readers, under ACCESS EXCLUSIVE */
    run(t, "ALTER TABLE client DROP COLUMN remark CASCADE", true);
    assert_true(must(t->fx[0], ACT_DROP_COLUMN)->flags & A_CASCADE);
    assert_int_equal(lock_on(t->fx[0], "public.qual"), LOCK_ACCESS_EXCLUSIVE);
    assert_int_equal(lock_on(t->fx[0], "public.onview"), LOCK_ACCESS_EXCLUSIVE);
    assert_null(catalog_find_view(t->cat, NULL, "qual"));
    assert_null(catalog_find_view(t->cat, NULL, "onview"));
    /* DROP TABLE drops the views over it: a table made again under its name has none */
    run(t, "DROP TABLE o CASCADE; CREATE TABLE o (id int, note text); "
           "ALTER TABLE o ALTER COLUMN note TYPE varchar(5)",
        true);
    assert_null(catalog_find_view(t->cat, NULL, "star"));
    assert_int_equal(must(t->fx[2], ACT_ALTER_TYPE)->views.len, 0);
    /* a copy of the catalog keeps what the views read */
    run(t, "CREATE VIEW again AS SELECT note FROM o", true);
    Catalog *copy = catalog_copy(t->cat);
    const View *cv = catalog_find_view(copy, NULL, "again");
    assert_int_equal(cv->columns.len, 1);
    assert_string_equal(((const ViewColumn *)LIST_GET(&cv->columns, 0))->column, "note");
    assert_non_null(cv->definition);
    catalog_free(copy);
}

/* timestamp ↔ timestamptz keeps its rows from PostgreSQL 12 when the
 * session's TimeZone has a fixed offset of zero, and only then: each SET
 * below is followed by both changes, whose cost says what zdm took. */
static void test_timezone_type_change(void **state)
{
    T *t = *state;
    deployed(t, "CREATE TABLE e (a timestamp, b timestamptz)");
    static const struct {
        const char *set;
        bool utc;
    } cases[] = {
        {"SET TimeZone = 'UTC'", true},
        {"SET timezone TO 'Etc/UTC'", true},
        {"SET TIME ZONE 'gmt'", true},
        {"SET TIME ZONE 0", true},
        {"SET TimeZone = '+00:00'", true},
        {"SET TimeZone = 'Zulu'", true},
        {"SET TimeZone = 'Europe/London'", false}, /* zero in winter only */
        {"SET TIME ZONE 1", false},
        {"SET TimeZone = 'America/New_York'", false},
        {"SET TIME ZONE LOCAL", false}, /* the server's default: unknown */
        {"SET TimeZone TO DEFAULT", false},
        {"RESET TimeZone", false},
        {"SET search_path = public", false}, /* no SET TimeZone at all */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run(t, arena_printf(t->a, "%s; ALTER TABLE e ALTER COLUMN a TYPE timestamptz; "
                                  "ALTER TABLE e ALTER COLUMN a TYPE timestamp; "
                                  "ALTER TABLE e ALTER COLUMN b TYPE timestamp; "
                                  "ALTER TABLE e ALTER COLUMN b TYPE timestamptz",
                            cases[i].set),
            true);
        for (int k = 1; k <= 4; k++) {
            const Action *a = must(t->fx[k], ACT_ALTER_TYPE);
            if ((a->cost == COST_CATALOG) != cases[i].utc)
                fail_msg("%s, then statement %d: cost %s", cases[i].set, k, cost_name(a->cost));
            assert_true(a->flags & A_ZONE);
            assert_false(a->flags & A_NARROWS); /* every value has a representation */
        }
    }
    /* with the database's default zone known to be UTC (--database), a
     * migration starts in it, and DEFAULT goes back to it */
    t->r.tz_default_utc = true;
    run(t, "ALTER TABLE e ALTER COLUMN a TYPE timestamptz; SET TimeZone = 'Asia/Tokyo'; "
           "ALTER TABLE e ALTER COLUMN a TYPE timestamp; SET TimeZone TO DEFAULT; "
           "ALTER TABLE e ALTER COLUMN a TYPE timestamptz",
        true);
    assert_int_equal(must(t->fx[0], ACT_ALTER_TYPE)->cost, COST_CATALOG);
    assert_int_equal(must(t->fx[2], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    assert_int_equal(must(t->fx[4], ACT_ALTER_TYPE)->cost, COST_CATALOG);
    t->r.tz_default_utc = false;
    run(t, "ALTER TABLE e ALTER COLUMN a TYPE timestamp", true);
    /* PostgreSQL 11 rewrote whatever the zone */
    t->r.pg_version = 11;
    run(t, "SET TimeZone = 'UTC'; ALTER TABLE e ALTER COLUMN a TYPE timestamptz", true);
    assert_int_equal(must(t->fx[1], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    t->r.pg_version = 15;
    /* a session SET lasts through the migration, not into the next one */
    run(t, "SET TimeZone = 'UTC'", true);
    run(t, "ALTER TABLE e ALTER COLUMN a TYPE timestamp", true);
    assert_int_equal(must(t->fx[0], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    /* SET LOCAL ends with its transaction; ROLLBACK undoes a SET */
    run(t, "BEGIN; SET LOCAL TimeZone = 'UTC'; ALTER TABLE e ALTER COLUMN a TYPE timestamptz; COMMIT; "
           "ALTER TABLE e ALTER COLUMN a TYPE timestamp; "
           "BEGIN; SET TimeZone = 'UTC'; ROLLBACK; ALTER TABLE e ALTER COLUMN a TYPE timestamptz; "
           "SET TimeZone = 'UTC'; BEGIN; SET LOCAL TimeZone = 'Asia/Tokyo'; "
           "ALTER TABLE e ALTER COLUMN a TYPE timestamp; COMMIT; "
           "ALTER TABLE e ALTER COLUMN a TYPE timestamptz",
        true);
    assert_int_equal(must(t->fx[2], ACT_ALTER_TYPE)->cost, COST_CATALOG);
    assert_int_equal(must(t->fx[4], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    assert_int_equal(must(t->fx[8], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    assert_int_equal(must(t->fx[12], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    assert_int_equal(must(t->fx[14], ACT_ALTER_TYPE)->cost, COST_CATALOG);
    /* an index on the column is built again; a precision below 6 on the
     * new type rounds every value, whatever the old one; USING rewrites */
    run(t, "CREATE INDEX e_a ON e (a); SET TimeZone = 'UTC'; "
           "ALTER TABLE e ALTER COLUMN a TYPE timestamp; "
           "ALTER TABLE e ALTER COLUMN b TYPE timestamp(0); "
           "ALTER TABLE e ALTER COLUMN b TYPE timestamptz(3); "
           "ALTER TABLE e ALTER COLUMN b TYPE timestamp(6); "
           "ALTER TABLE e ALTER COLUMN b TYPE timestamptz; "
           "ALTER TABLE e ALTER COLUMN b TYPE timestamp USING b + interval '1 hour'",
        true);
    assert_int_equal(must(t->fx[2], ACT_ALTER_TYPE)->cost, COST_INDEX);
    assert_int_equal(must(t->fx[3], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    assert_int_equal(must(t->fx[4], ACT_ALTER_TYPE)->cost, COST_REWRITE);
    assert_int_equal(must(t->fx[5], ACT_ALTER_TYPE)->cost, COST_CATALOG);
    assert_int_equal(must(t->fx[6], ACT_ALTER_TYPE)->cost, COST_CATALOG);
    assert_int_equal(must(t->fx[7], ACT_ALTER_TYPE)->cost, COST_REWRITE);
}

static void test_parse_positions(void **state)
{
    T *t = *state;
    ZdmError err = {0};
    int rc;
    Migration *m = parsed(t,
        "-- a header comment\n"
        "/* a block\n"
        "   comment */\n"
        "   CREATE TABLE a (id int);\n"
        "\n"
        "ALTER TABLE a\n"
        "    ADD COLUMN b int,\n"
        "    ADD COLUMN c int;  SELECT 1;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n"
        "  SELECT 1; -- zdm:not-a-directive; in a body\n"
        "$body$;\n"
        "SELECT '-- zdm:nor this', $$ -- zdm:nor that $$\n",
        &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(m->nstmts, 5);
    Statement *s = m->stmts[0];
    assert_int_equal(s->index, 0);
    assert_int_equal(s->line, 4);
    assert_int_equal(s->column, 4);
    assert_int_equal(strncmp(s->sql, "CREATE TABLE a", 14), 0);
    assert_int_equal(s->len, (int)strlen("CREATE TABLE a (id int)"));
    assert_string_equal(sql_node_name(s->node), "CreateStmt");

    s = m->stmts[1];
    assert_int_equal(s->line, 6);
    assert_int_equal(s->column, 1);
    assert_int_equal(s->len, (int)strlen("ALTER TABLE a\n    ADD COLUMN b int,\n    ADD COLUMN c int"));
    assert_int_equal(s->offset, (int)(s->sql - m->text));
    s = m->stmts[2];
    assert_int_equal(s->line, 8);
    assert_int_equal(s->column, 24);
    assert_int_equal(s->len, 8);

    s = m->stmts[3];
    assert_int_equal(s->line, 9);
    assert_string_equal(sql_node_name(s->node), "CreateFunctionStmt");
    assert_int_equal(s->sql[s->len - 1], '$'); /* the whole body, "--" and ";" included */
    s = m->stmts[4];
    assert_int_equal(s->line, 12);
    assert_int_equal(s->column, 1);
    assert_int_equal(m->allows.len, 0);
    for (int i = 0; i < m->nstmts; i++)
        assert_int_equal(m->stmts[i]->allows.len, 0);
    assert_int_equal(m->directive, PHASE_NONE);
}

static void test_parse_syntax_error(void **state)
{
    T *t = *state;
    ZdmError err = {0};
    int rc;
    parsed(t, "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;\n", &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.file, "migrations/0001_x.sql");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 25); /* the ";" where a column was expected */
    assert_non_null(strstr(err.message, "syntax error"));
    assert_int_equal(err.kind, ERR_INPUT);

    memset(&err, 0, sizeof err);
    parsed(t, "SELECT 1;\n\n  CREAT TABLE b ();", &err, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 3);
}

static void test_parse_allow_directives(void **state)
{
    T *t = *state;
    ZdmError err = {0};
    int rc;
    Migration *m = parsed(t,
        "-- zdm:allow drop-table   the whole file drops scratch tables  \n"
        "\n"
        "CREATE TABLE a (id int);\n"
        "-- zdm:allow drop-column nobody reads it since v2\n"
        "ALTER TABLE a DROP COLUMN id; -- zdm:allow lock-timeout-missing tiny table\n"
        "ALTER TABLE a\n"
        "  -- zdm:allow add-column-rewrites inside the statement\n"
        "  ADD COLUMN u uuid DEFAULT gen_random_uuid();\n"
        "\n"
        "DROP TABLE a;\n"
        "-- zdm:allow truncate after the last statement\n",
        &err, &rc);
    if (rc != 0)
        fail_msg("%d:%d: %s", err.line, err.column, err.message);
    assert_int_equal(m->nstmts, 4);

    /* before the first statement: the whole file */
    assert_int_equal(m->allows.len, 1);
    Allow *al = LIST_GET(&m->allows, 0);
    assert_string_equal(al->rule, "drop-table");
    assert_string_equal(al->reason, "the whole file drops scratch tables");
    assert_int_equal(al->line, 1);
    assert_int_equal(m->stmts[0]->allows.len, 0);

    /* the comment line just before a statement, and a comment trailing its
     * last line, both belong to it */
    Statement *s = m->stmts[1];
    assert_int_equal(s->allows.len, 2);
    al = LIST_GET(&s->allows, 0);
    assert_string_equal(al->rule, "drop-column");
    assert_string_equal(al->reason, "nobody reads it since v2");
    assert_int_equal(al->line, 4);
    al = LIST_GET(&s->allows, 1);
    assert_string_equal(al->rule, "lock-timeout-missing");
    assert_string_equal(al->reason, "tiny table");
    assert_int_equal(al->line, 5);

    /* inside a statement: that statement */
    s = m->stmts[2];
    assert_int_equal(s->allows.len, 1);
    assert_string_equal(((Allow *)LIST_GET(&s->allows, 0))->rule, "add-column-rewrites");

    /* after the last one: the last */
    s = m->stmts[3];
    assert_int_equal(s->allows.len, 1);
    assert_string_equal(((Allow *)LIST_GET(&s->allows, 0))->rule, "truncate");
    assert_int_equal(m->directive, PHASE_NONE);
}

static void test_parse_phase_directive(void **state)
{
    T *t = *state;
    ZdmError err = {0};
    int rc;
    Migration *m = parsed(t, "BEGIN;\n-- zdm:phase after-deploy\nDROP TABLE a;\nCOMMIT;\n", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(m->directive, PHASE_AFTER);
    assert_int_equal(m->directive_line, 2);
    m = parsed(t, "--zdm:phase before-deploy\nSELECT 1;", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(m->directive, PHASE_BEFORE);
    assert_int_equal(m->directive_line, 1);
    /* an ordinary comment that mentions zdm is not a directive */
    m = parsed(t, "-- see zdm:phase docs\nSELECT 1;", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(m->directive, PHASE_NONE);
}

static void test_parse_directive_errors(void **state)
{
    T *t = *state;
    static const struct {
        const char *text;
        int line, column;
        const char *says;
    } cases[] = {
        {"SELECT 1;\n-- zdm:allow no-such-rule because reasons\nSELECT 2;", 2, 4, "unknown rule 'no-such-rule'"},
        {"-- zdm:allow drop-table\nDROP TABLE a;", 1, 4, "needs a rule id and a reason"},
        {"-- zdm:allow drop-table    \nDROP TABLE a;", 1, 4, "needs a rule id and a reason"},
        {"-- zdm:allow\nDROP TABLE a;", 1, 4, "needs a rule id and a reason"},
        {"DROP TABLE a;   --   zdm:frobnicate now\n", 1, 22, "unknown directive 'zdm:frobnicate'"},
        {"-- zdm:phase sometime\nSELECT 1;", 1, 4, "before-deploy or after-deploy"},
        {"-- zdm:phase\nSELECT 1;", 1, 4, "before-deploy or after-deploy"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ZdmError err = {0};
        int rc;
        parsed(t, cases[i].text, &err, &rc);
        if (rc != -1)
            fail_msg("case %zu parsed", i);
        assert_string_equal(err.file, "migrations/0001_x.sql");
        if (err.line != cases[i].line || err.column != cases[i].column)
            fail_msg("case %zu: %d:%d, expected %d:%d", i, err.line, err.column,
                     cases[i].line, cases[i].column);
        if (!strstr(err.message, cases[i].says))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].says);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_table_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_serial_identity_generated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_defaults_and_volatility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_new_vs_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quoted_identifiers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schemas_and_search_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_and_drop_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_column_cost_by_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alter_type_text_like, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alter_type_using, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alter_type_numeric_and_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_and_not_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_not_null_behind_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_storage_and_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_check_constraint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_foreign_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_unique_primary_exclude, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_level_subcommands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_index_and_reindex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assumed_objects_and_baseline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_and_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_analysed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_function_body_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_and_sequence_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generated_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partitioned_indexes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_do_block, setup, teardown),




        cmocka_unit_test_setup_teardown(test_catalog_copy_is_deep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_types_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_column_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alter_type_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_constraint_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dml_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enum_value_uses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timezone_type_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_allow_directives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_phase_directive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_directive_errors, setup, teardown),
    };
    return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
