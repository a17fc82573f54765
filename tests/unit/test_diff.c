/*
 * test_diff.c — catalog_diff over catalogs the replay builds from SQL, and
 * the live side's rendering of defaults (catalog_render_default), which must
 * agree with the replay's for equal schemas to compare equal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "catalog/diff.h"
#include "sql/sql.h"

/* The catalog one migration of SQL text ends with. */
static Catalog *catalog_of(Arena *a, const char *sql)
{
    Migration *m = arena_alloc(a, sizeof *m);
    m->name = "0001_x";
    m->file = "0001_x.sql";
    m->text = sql;
    m->len = strlen(sql);
    ZdmError err = {0};
    assert_int_equal(sql_parse_migration(a, m, &err), 0);
    History h = {.items = &m, .n = 1};
    Catalog *c = catalog_of_history(a, &h, 15, &err);
    assert_non_null(c);
    return c;
}

static List diff(Arena *a, const char *x, const char *y)
{
    Catalog *l = catalog_of(a, x), *r = catalog_of(a, y);
    List out = {0};
    catalog_diff(a, l, r, "A", "B", &out);
    catalog_free(l);
    catalog_free(r);
    return out;
}

static void assert_lines(const List *l, const char *const *want, int n)
{
    for (int i = 0; i < l->len && i < n; i++)
        assert_string_equal(LIST_GET(l, i), want[i]);
    assert_int_equal(l->len, n);
}

static void test_equal_schemas(void **state)
{
    Arena *a = *state;
    const char *sql =
        "CREATE TABLE t (id serial PRIMARY KEY, name varchar(20) NOT NULL DEFAULT '', n numeric(10,2));"
        "CREATE INDEX t_name_idx ON t (lower(name));"
        "CREATE TYPE mood AS ENUM ('a', 'b'); CREATE VIEW v AS SELECT 1;";
    List l = diff(a, sql, sql);
    assert_int_equal(l.len, 0);
    /* the same schema reached another way: order of creation does not matter */
    l = diff(a, "CREATE TABLE a (x int); CREATE TABLE b (y int);",
             "CREATE TABLE b (y int); CREATE TABLE a (x int, z int); ALTER TABLE a DROP COLUMN z;");
    assert_int_equal(l.len, 0);
}

static void test_columns(void **state)
{
    Arena *a = *state;
    List l = diff(a, "CREATE TABLE t (a int NOT NULL, b text DEFAULT 'x', c varchar(10), d int);",
                  "CREATE TABLE t (a int, b text DEFAULT 'y', c varchar(20), e int);");
    const char *want[] = {
        "column public.t.a: NOT NULL in A, nullable in B",
        "column public.t.b: default 'x' in A, 'y' in B",
        "column public.t.c: type varchar(10) in A, varchar(20) in B",
        "column public.t.d: only in A",
        "column public.t.e: only in B",
    };
    assert_lines(&l, want, 5);
}

static void test_tables_indexes_constraints(void **state)
{
    Arena *a = *state;
    List l = diff(a,
                  "CREATE TABLE t (id int PRIMARY KEY, v int); CREATE TABLE only_a (x int);"
                  "CREATE UNIQUE INDEX t_v ON t (v); ALTER TABLE t ADD CONSTRAINT pos CHECK (v > 0) NOT VALID;",
                  "CREATE TABLE t (id int PRIMARY KEY, v int); CREATE INDEX t_v ON t (v, id);"
                  "ALTER TABLE t ADD CONSTRAINT pos CHECK (v > 0); CREATE SEQUENCE s;");
    const char *want[] = {
        "constraint public.t.pos: NOT VALID in A, validated in B",
        "index public.t_v: keys (v) in A, (v, id) in B",
        "index public.t_v: unique in A, not unique in B",
        "sequence public.s: only in B",
        "table public.only_a: only in A",
    };
    assert_lines(&l, want, 5);
}

static void test_enums_and_views(void **state)
{
    Arena *a = *state;
    List l = diff(a, "CREATE TYPE m AS ENUM ('a', 'b'); CREATE VIEW v AS SELECT 1;",
                  "CREATE TYPE m AS ENUM ('a', 'b', 'c'); CREATE MATERIALIZED VIEW w AS SELECT 1;");
    const char *want[] = {
        "enum public.m: values (a, b) in A, (a, b, c) in B",
        "materialized view public.w: only in B",
        "view public.v: only in A",
    };
    assert_lines(&l, want, 3);
}

/* What pg_get_expr prints for defaults, rendered as the replay renders what
 * the migration wrote. */
static void test_render_default(void **state)
{
    Arena *a = *state;
    assert_string_equal(catalog_render_default(a, "'free'::character varying"), "'free'");
    assert_string_equal(catalog_render_default(a, "0"), "0");
    assert_string_equal(catalog_render_default(a, "'-1'::integer"), "-1"); /* DEFAULT -1 */
    assert_string_equal(catalog_render_default(a, "'-2.5'::numeric"), "-2.5");
    assert_string_equal(catalog_render_default(a, "'12ab'::text"), "'12ab'");
    assert_string_equal(catalog_render_default(a, "1.5"), "1.5");
    assert_string_equal(catalog_render_default(a, "true"), "true");
    assert_string_equal(catalog_render_default(a, "now()"), "now(...)");
    assert_string_equal(catalog_render_default(a, "nextval('t_id_seq'::regclass)"), "nextval(...)");
    assert_string_equal(catalog_render_default(a, "CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
    assert_string_equal(catalog_render_default(a, "(1 + 2)"), "(expression)");
    assert_null(catalog_render_default(a, "1 +"));
    assert_null(catalog_render_default(a, NULL));

    /* and the comparison takes them as equal to what the replay recorded */
    Catalog *c = catalog_of(a, "CREATE TABLE t (a varchar(9) DEFAULT 'free', b int DEFAULT 5,"
                               " c timestamptz DEFAULT now(), d int DEFAULT 1 + 2, e int DEFAULT NULL);");
    Catalog *live = catalog_copy(c);
    Table *t = catalog_find_table(live, "public", "t");
    const char *pg[] = {"'free'::character varying", "5", "now()", "(1 + 2)", NULL};
    for (int i = 0; i < 5; i++)
        ((Column *)LIST_GET(&t->columns, i))->default_expr = catalog_render_default(a, pg[i]);
    List out = {0};
    catalog_diff(a, c, live, "migrations", "database", &out);
    assert_int_equal(out.len, 0);
    /* a different constant is a difference */
    ((Column *)LIST_GET(&t->columns, 1))->default_expr = catalog_render_default(a, "'-2'::integer");
    out.len = 0;
    catalog_diff(a, c, live, "migrations", "database", &out);
    assert_int_equal(out.len, 1);
    assert_string_equal(LIST_GET(&out, 0), "column public.t.b: default 5 in migrations, -2 in database");
    catalog_free(c);
    catalog_free(live);
}

static void test_invalid_index(void **state)
{
    Arena *a = *state;
    Catalog *c = catalog_of(a, "CREATE TABLE t (v int); CREATE INDEX CONCURRENTLY t_v ON t (v);");
    Catalog *live = catalog_copy(c);
    catalog_find_index(live, "public", "t_v")->valid = false;
    List out = {0};
    catalog_diff(a, c, live, "the migrations", "the database", &out);
    assert_int_equal(out.len, 1);
    assert_string_equal(LIST_GET(&out, 0),
                        "index public.t_v: INVALID in the database (a CREATE INDEX CONCURRENTLY that did not "
                        "finish: drop it and build it again)");
    catalog_free(c);
    catalog_free(live);
}

static int setup(void **state)
{
    *state = arena_new();
    return 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        TEST(test_equal_schemas),
        TEST(test_columns),
        TEST(test_tables_indexes_constraints),
        TEST(test_enums_and_views),
        TEST(test_render_default),
        TEST(test_invalid_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
