/*
 * test_rehearse.c — the pure pieces of `zdm test` and `zdm rehearse`: the
 * .zdmtest parser and its errors, the SQL that fills a table, the literals
 * the clients write, and latency percentiles. The database side is in
 * tests/integration/rehearse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/replay.h"
#include "prove/rehearse.h"
#include "prove/testfile.h"
#include "sql/sql.h"

/* ---- .zdmtest ------------------------------------------------------------------- */

static List parse_ok(Arena *a, const char *text)
{
    List tests = {0};
    ZdmError err = {0};
    if (testfile_parse(a, "t.zdmtest", text, strlen(text), &tests, &err) != 0)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.column, err.message);
    return tests;
}

static void parses_every_step(void **state)
{
    (void)state;
    Arena *a = arena_new();
    List tests = parse_ok(a,
        "# a comment\n"
        "test: first one\n"
        "migrate: 0001\n"
        "sql:\n"
        "INSERT INTO t VALUES (1);\n"
        "\n"
        "INSERT INTO t VALUES (2);\n"
        "backfill: fill_v\n"
        "fails: 23502\n"
        "INSERT INTO t (v) VALUES (NULL);\n"
        "migrate:\n"
        "query: SELECT a, b, c, d\n"
        "  FROM t\n"
        "rows:\n"
        "1 | NULL | '' | 'a | b'\n"
        "\n"
        "2|x y|'it''s'|'NULL'\n"
        "test: second\n"
        "query: SELECT 1 WHERE false\n"
        "rows:\n");
    assert_int_equal(tests.len, 2);
    TestCase *t = LIST_GET(&tests, 0);
    assert_string_equal(t->name, "first one");
    assert_int_equal(t->line, 2);
    assert_int_equal(t->steps.len, 6);
    TestStep *s = LIST_GET(&t->steps, 0);
    assert_int_equal(s->kind, STEP_MIGRATE);
    assert_string_equal(s->arg, "0001");
    s = LIST_GET(&t->steps, 1);
    assert_int_equal(s->kind, STEP_SQL);
    assert_string_equal(s->sql, "INSERT INTO t VALUES (1);\n\nINSERT INTO t VALUES (2);");
    assert_int_equal(s->sql_line, 5);
    s = LIST_GET(&t->steps, 2);
    assert_int_equal(s->kind, STEP_BACKFILL);
    assert_string_equal(s->arg, "fill_v");
    s = LIST_GET(&t->steps, 3);
    assert_int_equal(s->kind, STEP_FAILS);
    assert_string_equal(s->arg, "23502");
    assert_string_equal(s->sql, "INSERT INTO t (v) VALUES (NULL);");
    s = LIST_GET(&t->steps, 4);
    assert_int_equal(s->kind, STEP_MIGRATE);
    assert_null(s->arg);
    s = LIST_GET(&t->steps, 5);
    assert_int_equal(s->kind, STEP_QUERY);
    assert_string_equal(s->sql, "SELECT a, b, c, d\n  FROM t");
    assert_int_equal(s->rows.len, 2);
    TestRow *r = LIST_GET(&s->rows, 0);
    assert_int_equal(r->ncells, 4);
    assert_string_equal(r->cells[0], "1");
    assert_null(r->cells[1]);
    assert_string_equal(r->cells[2], "");
    assert_string_equal(r->cells[3], "a | b");
    r = LIST_GET(&s->rows, 1);
    assert_string_equal(r->cells[1], "x y");
    assert_string_equal(r->cells[2], "it's");
    assert_string_equal(r->cells[3], "NULL");
    t = LIST_GET(&tests, 1);
    s = LIST_GET(&t->steps, 0);
    assert_int_equal(s->rows.len, 0);
    assert_int_equal(s->rows_line, 20);
    arena_free(a);
}

static void parse_error(const char *text, int line, int column, const char *message)
{
    Arena *a = arena_new();
    List tests = {0};
    ZdmError err = {0};
    assert_int_equal(testfile_parse(a, "t.zdmtest", text, strlen(text), &tests, &err), -1);
    if (err.line != line || err.column != column || !strstr(err.message, message))
        fail_msg("got %d:%d: %s, expected %d:%d: ...%s...", err.line, err.column, err.message, line, column,
                 message);
    arena_free(a);
}

static void reports_file_errors_where_they_are(void **state)
{
    (void)state;
    parse_error("sql: SELECT 1\n", 1, 1, "before any test:");
    parse_error("test: a\nquery: SELECT 1\nsql: SELECT 2\n", 3, 1, "after a query: that has no rows:");
    parse_error("test: a\nquery: SELECT 1\n", 2, 1, "query: needs the rows");
    parse_error("test: a\nsql: SELECT 1\nrows:\n", 3, 1, "rows: must follow a query:");
    parse_error("test: a\nquery: SELECT 1\nrows:\n'abc | d\n", 4, 1, "unterminated quoted value");
    parse_error("test: a\nquery: SELECT 1\nrows:\n'a' b\n", 4, 5, "expected '|'");
    parse_error("test: a\nmigrate: 0001\n  oops\n", 3, 3, "expected a directive");
    parse_error("test: a\nsql:\n\ntest: b\n", 2, 1, "sql: needs SQL");
    parse_error("test:\n", 1, 6, "test: needs a name");
    parse_error("test: a\nmigrate: 0001 0002\n", 2, 10, "takes one migration name");
    parse_error("test: a\n", 1, 1, "has no steps");
    parse_error("# nothing\n", 0, 0, "no tests in this file");
}

static void formats_cells_so_they_read_back(void **state)
{
    (void)state;
    Arena *a = arena_new();
    const char *cells[] = {"plain", NULL, "", " pad", "a|b", "NULL", "it's", "#x"};
    const char *row = testfile_format_row(a, 8, cells);
    assert_string_equal(row, "plain | NULL | '' | ' pad' | 'a|b' | 'NULL' | it's | '#x'");
    List tests = parse_ok(a, arena_printf(a, "test: t\nquery: SELECT 1\nrows:\n%s\n", row));
    TestStep *s = LIST_GET(&((TestCase *)LIST_GET(&tests, 0))->steps, 0);
    TestRow *r = LIST_GET(&s->rows, 0);
    assert_int_equal(r->ncells, 8);
    for (int i = 0; i < 8; i++) {
        if (!cells[i])
            assert_null(r->cells[i]);
        else
            assert_string_equal(r->cells[i], cells[i]);
    }
    arena_free(a);
}

/* ---- data generation ----------------------------------------------------------------- */

typedef struct T {
    Arena *a;
    Catalog *cat;
} T;

static T *schema(const char *sql)
{
    T *t = calloc(1, sizeof *t);
    t->a = arena_new();
    t->cat = catalog_new();
    Migration *m = arena_alloc(t->a, sizeof *m);
    m->name = "0001_init";
    m->file = "0001_init.sql";
    m->text = sql;
    m->len = strlen(sql);
    ZdmError err = {0};
    if (sql_parse_migration(t->a, m, &err) != 0)
        fail_msg("%s", err.message);
    Replay r = {.cat = t->cat, .arena = t->a, .pg_version = 15};
    for (int i = 0; i < m->nstmts; i++)
        replay_statement(&r, m, m->stmts[i], NULL, &err);
    return t;
}

static void done(T *t)
{
    catalog_free(t->cat);
    arena_free(t->a);
    free(t);
}

static void fills_parents_first_with_keys_spread(void **state)
{
    (void)state;
    T *t = schema(
        "CREATE TABLE line (id bigserial PRIMARY KEY, order_id int NOT NULL REFERENCES orders, qty int NOT NULL);\n"
        "CREATE TABLE orders (id int PRIMARY KEY, account uuid NOT NULL REFERENCES account (id), note text);\n"
        "CREATE TABLE account (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email varchar(20) NOT NULL UNIQUE,"
        "  created timestamptz NOT NULL DEFAULT now(), v int GENERATED ALWAYS AS (1) STORED);\n"
        "CREATE TABLE zdm_migrations (name text);\n");
    List order = {0};
    datagen_order(t->a, t->cat, &order);
    assert_int_equal(order.len, 3);
    assert_string_equal(((Table *)LIST_GET(&order, 0))->name, "account");
    assert_string_equal(((Table *)LIST_GET(&order, 1))->name, "orders");
    assert_string_equal(((Table *)LIST_GET(&order, 2))->name, "line");
    const char *why = NULL;
    /* defaults, identity/serial and generated columns are left to the database;
     * a unique varchar gets distinct values within its length */
    assert_string_equal(datagen_insert_sql(t->a, t->cat, LIST_GET(&order, 0), 1000, NULL, &why),
                        "INSERT INTO public.account (email) SELECT left(g::text, 20) FROM generate_series(1, 1000) g");
    /* a primary key without a default: distinct, after the rows already there;
     * a foreign key: the parent's rows by row number */
    assert_string_equal(datagen_insert_sql(t->a, t->cat, LIST_GET(&order, 1), 50, NULL, &why),
                        "INSERT INTO public.orders (id, account, note) SELECT "
                        "(SELECT coalesce(max(id), 0) FROM public.orders) + g, f0.k0, 'note' || '-' || g "
                        "FROM generate_series(1, 50) g JOIN (SELECT id AS k0, row_number() OVER () AS rn FROM "
                        "public.account) f0 ON f0.rn = 1 + (g - 1) % greatest((SELECT count(*) FROM public.account), 1)");
    assert_string_equal(datagen_insert_sql(t->a, t->cat, LIST_GET(&order, 2), 7, NULL, &why),
                        "INSERT INTO public.line (order_id, qty) SELECT f0.k0, g FROM generate_series(1, 7) g "
                        "JOIN (SELECT id AS k0, row_number() OVER () AS rn FROM public.orders) f0 ON f0.rn = 1 + "
                        "(g - 1) % greatest((SELECT count(*) FROM public.orders), 1)");
    done(t);
}

static void values_follow_the_type(void **state)
{
    (void)state;
    T *t = schema(
        "CREATE TYPE mood AS ENUM ('happy', 'it''s');\n"
        "CREATE TABLE x (a int2 NOT NULL, b numeric(5,2) NOT NULL, c bool NOT NULL, d date NOT NULL,"
        "  e jsonb NOT NULL, f mood NOT NULL, g int[] NOT NULL, h char(3) NOT NULL, i point NOT NULL,"
        "  j point, k bytea NOT NULL);\n");
    Table *tb = catalog_find_table(t->cat, NULL, "x");
    const char *why = NULL;
    assert_null(datagen_insert_sql(t->a, t->cat, tb, 10, NULL, &why));
    assert_string_equal(why, "zdm makes no values of type point (column i, NOT NULL, no default)");
    catalog_find_column(tb, "i")->not_null = false;
    assert_string_equal(datagen_insert_sql(t->a, t->cat, tb, 10, NULL, &why),
                        "INSERT INTO public.x (a, b, c, d, e, f, g, h, k) SELECT (g % 30000)::int2, (g % 1000), "
                        "g % 2 = 0, date '2020-01-01' + (g % 3650)::int, jsonb_build_object('n', g), "
                        "(enum_range(NULL::public.mood))[1 + g % 2], '{}', left('h' || '-' || g, 3), "
                        "decode(md5(g::text), 'hex') FROM generate_series(1, 10) g");
    char buf[128];
    const char *want[][2] = {{"a", "12345"}, {"b", "345"}, {"c", "true"}, {"d", "'2015-10-26'"},
                             {"e", "'{\"n\": 12345}'"}, {"f", "'it''s'"}, {"g", "'{}'"}, {"h", "'v12'"},
                             {"k", "'\\x00003039'"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const Column *col = catalog_find_column(tb, want[i][0]);
        const char *lit = datagen_literal(buf, sizeof buf, t->cat, col, 12345);
        if (!lit || strcmp(lit, want[i][1]) != 0)
            fail_msg("column %s: %s, expected %s", want[i][0], lit ? lit : "NULL", want[i][1]);
    }
    assert_null(datagen_literal(buf, sizeof buf, t->cat, catalog_find_column(tb, "j"), 1));
    done(t);
}

static void self_reference_left_null(void **state)
{
    (void)state;
    T *t = schema("CREATE TABLE node (id int PRIMARY KEY, parent int REFERENCES node, up int NOT NULL REFERENCES node);\n");
    Table *tb = catalog_find_table(t->cat, NULL, "node");
    const char *why = NULL;
    assert_null(datagen_insert_sql(t->a, t->cat, tb, 10, NULL, &why));
    assert_string_equal(why, "up is NOT NULL and references public.node, which zdm cannot fill first");
    catalog_find_column(tb, "up")->not_null = false;
    assert_string_equal(datagen_insert_sql(t->a, t->cat, tb, 10, NULL, &why),
                        "INSERT INTO public.node (id) SELECT (SELECT coalesce(max(id), 0) FROM public.node) + g "
                        "FROM generate_series(1, 10) g");
    done(t);
}

/* ---- percentiles ---------------------------------------------------------------------- */

static void percentiles_by_nearest_rank(void **state)
{
    (void)state;
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i + 1;
    assert_true(rehearse_percentile(v, 100, 50) == 50);
    assert_true(rehearse_percentile(v, 100, 99) == 99);
    assert_true(rehearse_percentile(v, 100, 100) == 100);
    assert_true(rehearse_percentile(v, 100, 0) == 1);
    double three[] = {1, 2, 1000};
    assert_true(rehearse_percentile(three, 3, 50) == 2);
    assert_true(rehearse_percentile(three, 3, 99) == 1000);
    double one[] = {7};
    assert_true(rehearse_percentile(one, 1, 99) == 7);
    assert_true(rehearse_percentile(NULL, 0, 50) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_step),
        cmocka_unit_test(reports_file_errors_where_they_are),
        cmocka_unit_test(formats_cells_so_they_read_back),
        cmocka_unit_test(fills_parents_first_with_keys_spread),
        cmocka_unit_test(values_follow_the_type),
        cmocka_unit_test(self_reference_left_null),
        cmocka_unit_test(percentiles_by_nearest_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
