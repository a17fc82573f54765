/*
 * test_parse.c — parsing a history in the background: every migration is
 * parsed once, waits return in any order, and the error is the first in
 * order however the threads interleave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sql/sql.h"

/* n migrations, each two statements; those listed in bad have a syntax error. */
static History *history(Arena *a, int n, const int *bad, int nbad)
{
    History *h = arena_alloc(a, sizeof *h);
    h->items = arena_alloc(a, sizeof(Migration *) * (size_t)n);
    for (int i = 0; i < n; i++) {
        Migration *m = arena_alloc(a, sizeof *m);
        m->index = i;
        m->name = arena_printf(a, "%04d_m", i + 1);
        m->file = arena_printf(a, "migrations/%s.sql", m->name);
        bool broken = false;
        for (int k = 0; k < nbad; k++)
            broken |= bad[k] == i;
        m->text = broken ? arena_printf(a, "CREATE TABLE t%d (id int);\nALTER TABLE t%d ADD;\n", i, i)
                         : arena_printf(a, "CREATE TABLE t%d (id int);\nALTER TABLE t%d ADD c int;\n", i, i);
        m->len = strlen(m->text);
        h->items[h->n++] = m;
    }
    return h;
}

static void all_parsed_in_any_order(void **state)
{
    (void)state;
    Arena *a = arena_new();
    History *h = history(a, 200, NULL, 0);
    ParseRun *p = sql_parse_start(a, h);
    ZdmError err = {0};
    assert_int_equal(sql_parse_wait(p, 150, &err), 0);
    assert_int_equal(sql_parse_wait(p, 3, &err), 0);
    for (int i = 0; i < h->n; i++)
        assert_int_equal(sql_parse_wait(p, i, &err), 0);
    assert_int_equal(sql_parse_finish(p, &err), 0);
    for (int i = 0; i < h->n; i++) {
        assert_int_equal(h->items[i]->nstmts, 2);
        assert_int_equal(h->items[i]->stmts[1]->line, 2);
    }
    arena_free(a);
}

static void first_error_in_order(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) { /* threads interleave differently each time */
        Arena *a = arena_new();
        int bad[] = {170, 37, 120};
        History *h = history(a, 200, bad, 3);
        ParseRun *p = sql_parse_start(a, h);
        ZdmError err = {0};
        int rc = 0;
        for (int i = 0; i < h->n && rc == 0; i++)
            rc = sql_parse_wait(p, i, &err);
        assert_int_equal(rc, -1);
        assert_string_equal(err.file, "migrations/0038_m.sql");
        assert_int_equal(err.line, 2);
        memset(&err, 0, sizeof err);
        assert_int_equal(sql_parse_finish(p, &err), -1); /* finishing again says the same */
        assert_string_equal(err.file, "migrations/0038_m.sql");
        arena_free(a);
    }
}

static void whole_history_at_once(void **state)
{
    (void)state;
    Arena *a = arena_new();
    int bad[] = {5};
    ZdmError err = {0};
    assert_int_equal(sql_parse_history(a, history(a, 10, bad, 1), &err), -1);
    assert_string_equal(err.file, "migrations/0006_m.sql");
    assert_int_equal(sql_parse_history(a, history(a, 64, NULL, 0), &err), 0);
    arena_free(a);
}

static void deployed_trees_dropped(void **state)
{
    (void)state;
    Arena *a = arena_new();
    History *h = history(a, 100, NULL, 0);
    for (int i = 0; i < 90; i++)
        h->items[i]->phase = PHASE_DEPLOYED;
    ParseRun *p = sql_parse_start(a, h);
    ZdmError err = {0};
    for (int i = 0; i < h->n; i++) {
        assert_int_equal(sql_parse_wait(p, i, &err), 0);
        assert_non_null(h->items[i]->stmts[0]->node);
        sql_drop_tree(h->items[i]); /* frees only what a deployed migration held */
        if (i < 90)
            assert_null(h->items[i]->stmts[0]->node);
        else
            assert_non_null(h->items[i]->stmts[0]->node);
        assert_int_equal(h->items[i]->stmts[1]->line, 2); /* the statements stay */
    }
    assert_int_equal(sql_parse_finish(p, &err), 0);
    arena_free(a); /* and nothing leaks (ASan) */
}

/* PostgreSQL 16 to 18 syntax parses: the grammar is 18's, not 15's. */
static void newer_syntax_parses(void **state)
{
    (void)state;
    static const char *const sql[] = {
        "SELECT * FROM (SELECT 1);",                                        /* 16 */
        "ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (a * 3);",          /* 17 */
        "ALTER TABLE t ADD CONSTRAINT c NOT NULL x NOT VALID;",             /* 18 */
        "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) VIRTUAL;", /* 18 */
        "ALTER TABLE t ALTER CONSTRAINT fk NOT ENFORCED;",                  /* 18 */
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        Arena *a = arena_new();
        Migration m = {.name = "0001_x", .file = "0001_x.sql", .text = sql[i], .len = strlen(sql[i])};
        ZdmError err = {0};
        if (sql_parse_migration(a, &m, &err) != 0)
            fail_msg("%s: %s", sql[i], err.message);
        assert_int_equal(m.nstmts, 1);
        arena_free(a);
    }
}

static void pg_versions(void **state)
{
    (void)state;
    ZdmError err = {0};
    assert_int_equal(sql_pg_version_arg("13", &err), 13);
    assert_int_equal(sql_pg_version_arg("18", &err), SQL_PG_NEWEST);
    assert_int_equal(sql_pg_version_arg("12", &err), -1);
    assert_non_null(strstr(err.message, "13 to 18"));
    assert_int_equal(sql_pg_version_arg("19", &err), -1);
    assert_int_equal(sql_pg_version_arg("", &err), -1);
    assert_int_equal(sql_pg_version_arg("18x", &err), -1);
    assert_true(strncmp(zdm_grammar, "PostgreSQL 18 grammar (libpg_query 18.", 38) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_parsed_in_any_order),
        cmocka_unit_test(first_error_in_order),
        cmocka_unit_test(whole_history_at_once),
        cmocka_unit_test(deployed_trees_dropped),
        cmocka_unit_test(newer_syntax_parses),
        cmocka_unit_test(pg_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
