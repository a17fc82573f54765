/*
 * test_backfill.c — the pure side of zdm backfill: job files and their
 * errors (file:line:column), ad-hoc expressions that must not escape the
 * statement zdm puts them in, the definition hash, the adaptive batch size
 * and the SQL of a batch (key ranges, composite keys, quoting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "backfill/backfill.h"

static int parse(Arena *a, const char *text, BackfillJob *job, ZdmError *err)
{
    memset(err, 0, sizeof *err);
    return backfill_parse_file(a, "db/backfills/0004_split_name.sql", text, strlen(text), job, err);
}

/* The file fails with a message containing msg at line:col. */
static void expect_file_error(Arena *a, const char *text, int line, int col, const char *msg)
{
    BackfillJob job;
    ZdmError err;
    int rc = parse(a, text, &job, &err);
    if (rc == 0 || err.line != line || err.column != col || !strstr(err.message, msg))
        fail_msg("for %s\n  got rc %d, %d:%d: %s\n  want %d:%d: ...%s...", text, rc, err.line, err.column,
                 err.message, line, col, msg);
}

static void test_file_set_form(void **state)
{
    Arena *a = *state;
    BackfillJob job;
    ZdmError err;
    const char *text =
        "-- Split the customer's name.\n"
        "-- zdm:table customer\n"
        "-- zdm:batch-size 500\n"
        "-- zdm:target 100ms\n"
        "-- zdm:pause 1s\n"
        "-- zdm:max-replication-lag 5s\n"
        "-- zdm:max-active-connections 40\n"
        "SET first_name = split_part(name, ' ', 1),\n"
        "    last_name = split_part(name, ' where ', 2) -- not the WHERE\n"
        "WHERE first_name IS NULL AND (name <> ';');\n"
        "-- trailing comment\n";
    assert_int_equal(parse(a, text, &job, &err), 0);
    assert_string_equal(job.name, "0004_split_name");
    assert_string_equal(job.table, "customer");
    assert_string_equal(job.set, "first_name = split_part(name, ' ', 1),\n"
                                 "    last_name = split_part(name, ' where ', 2) -- not the WHERE");
    assert_string_equal(job.where, "first_name IS NULL AND (name <> ';')");
    assert_string_equal(job.check, job.where);
    assert_null(job.update);
    assert_int_equal(job.settings.batch_size, 500);
    assert_int_equal(job.settings.target_ms, 100);
    assert_int_equal(job.settings.pause_ms, 1000);
    assert_int_equal(job.settings.max_lag_ms, 5000);
    assert_int_equal(job.settings.max_active, 40);
    assert_int_equal(job.settings.min_batch, -1); /* not given */
    assert_int_equal(strlen(job.sha256), 64);
}

static void test_file_update_form(void **state)
{
    Arena *a = *state;
    BackfillJob job;
    ZdmError err;
    const char *text =
        "-- zdm:check c.region IS NULL\n"
        "UPDATE shop.\"Customer\" AS c SET region = a.region\n"
        "  FROM address a\n"
        " WHERE a.customer_id = c.id AND c.region IS NULL AND {{batch}}\n"
        "   AND a.note <> '{{batch}}';\n";
    assert_int_equal(parse(a, text, &job, &err), 0);
    assert_string_equal(job.table, "shop.\"Customer\"");
    assert_string_equal(job.alias, "c");
    assert_string_equal(job.check, "c.region IS NULL");
    assert_null(job.set);
    BackfillTarget t = {.qualified = "shop.\"Customer\"", .alias = "c", .nkeys = 1,
                        .key_names = (const char *[]){"id"}, .key_types = (const char *[]){"bigint"}};
    const char *u = backfill_update_sql(a, &t, &job);
    /* the placeholder in the string stays as it is */
    assert_non_null(strstr(u, "AND c.id = ANY (ARRAY(SELECT zdm_k1 FROM zdm_todo))\n   AND a.note <> '{{batch}}'"));
}

static void test_file_errors(void **state)
{
    Arena *a = *state;
    expect_file_error(a, "-- zdm:table t\n-- zdm:batchsize 10\nSET a = 1;\n", 2, 4,
                      "unknown setting 'zdm:batchsize' (known: table, check, batch-size");
    expect_file_error(a, "SET a = 1 WHERE b;\n", 1, 1, "needs its table: add -- zdm:table NAME");
    expect_file_error(a, "-- zdm:table t\nSET a = 1;\nSET b = 2;\n", 3, 1, "one statement");
    expect_file_error(a, "-- zdm:table t\nSET a = 1\nWHERE b IS NULL) OR (true;\n", 3, 16,
                      "closes a parenthesis");
    expect_file_error(a, "UPDATE t SET a = 1 WHERE b IS NULL;\n", 1, 1, "needs {{batch}}");
    expect_file_error(a, "UPDATE t SET a = 1 WHERE {{batch}} AND {{batch}};\n", 1, 40, "appears twice");
    expect_file_error(a, "-- zdm:table t\nSET a = 1\nWHERE b IS NUL;\n", 3, 12, "syntax error");
    expect_file_error(a, "-- zdm:table t\n\nSET a = b.x FROM b;\n", 3, 13, "FROM in SET");
    expect_file_error(a, "-- zdm:table t\n-- zdm:check a\nSET a = 1;\n", 2, 14, "zdm:check is for the UPDATE form");
    expect_file_error(a, "-- zdm:table t\n-- zdm:target fast\nSET a = 1;\n", 2, 15, "expected a duration");
    expect_file_error(a, "-- zdm:table t\n-- zdm:batch-size 0\nSET a = 1;\n", 2, 19, "whole number from 1");
    expect_file_error(a, "-- zdm:table t\n-- zdm:table u\nSET a = 1;\n", 2, 4, "given twice");
    expect_file_error(a, "UPDATE t SET a = 1 WHERE {{batch}} RETURNING a;\n", 1, 1, "RETURNING");
    expect_file_error(a, "DELETE FROM t WHERE {{batch}};\n", 1, 1, "SET ... [WHERE ...] or UPDATE");
    expect_file_error(a, "-- zdm:table t\nUPDATE t SET a = 1 WHERE {{batch}};\n", 2, 1, "zdm:table is for the SET form");
    expect_file_error(a, "-- zdm:table t\nSET a = 1; -- ok\n  ;\n", 3, 3, "one statement");
    /* no statement at all: the file, no position */
    BackfillJob job;
    ZdmError err;
    assert_int_equal(parse(a, "-- zdm:table t\n", &job, &err), -1);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "no statement"));
}

static void test_adhoc_expressions(void **state)
{
    Arena *a = *state;
    BackfillJob job;
    ZdmError err = {0};
    memset(&job, 0, sizeof job);
    backfill_settings_unset(&job.settings);
    assert_int_equal(backfill_job_adhoc(a, "customer", "company_address = ''", "company_address IS NULL -- note",
                                        &job, &err), 0);
    assert_string_equal(job.name, "customer");
    assert_string_equal(job.check, "company_address IS NULL -- note");
    /* what would break out of zdm's statement is refused */
    static const struct { const char *set, *where, *msg; } bad[] = {
        {"a = 1", "b IS NULL) OR (true", "--where: this ')' closes a parenthesis"},
        {"a = 1; DROP TABLE t", NULL, "--set: ';' ends the statement"},
        {"a = 1 WHERE b", NULL, "--set: WHERE in SET: give the condition with --where"},
        {"a = 1 RETURNING a", NULL, "RETURNING in SET"},
        {"a = 1", "b = 1; DELETE FROM t", "';' ends the statement"},
        {"a = (1", NULL, "--set: syntax error"},
        {"", NULL, "empty SET"},
        {"a = 1", "  ", "empty condition"},
        {"a = 1", "b IS NULL /* unterminated", "syntax error"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        memset(&job, 0, sizeof job);
        int rc = backfill_job_adhoc(a, "t", bad[i].set, bad[i].where, &job, &err);
        if (rc == 0 || !strstr(err.message, bad[i].msg))
            fail_msg("set %s where %s: got %d '%s', want '%s'", bad[i].set, bad[i].where ? bad[i].where : "-",
                     rc, err.message, bad[i].msg);
    }
}

static void test_hash_ignores_comments_and_settings(void **state)
{
    Arena *a = *state;
    BackfillJob j1, j2, j3, j4;
    ZdmError err;
    assert_int_equal(parse(a, "-- zdm:table t\n-- zdm:batch-size 10\nSET a = 1 WHERE b IS NULL;\n", &j1, &err), 0);
    assert_int_equal(parse(a, "-- a comment\n-- zdm:table t\n-- zdm:batch-size 9000\n"
                              "SET a   =  1 /* why */\n WHERE b IS NULL\n", &j2, &err), 0);
    assert_int_equal(parse(a, "-- zdm:table t\nSET a = 2 WHERE b IS NULL;\n", &j3, &err), 0);
    assert_int_equal(parse(a, "-- zdm:table t\nSET a = '1  ' WHERE b IS NULL;\n", &j4, &err), 0);
    assert_string_equal(j1.sha256, j2.sha256);
    assert_string_not_equal(j1.sha256, j3.sha256);
    assert_string_not_equal(j1.sha256, j4.sha256);
    /* spaces inside strings are data */
    assert_string_equal(backfill_canonical_sql(a, "a  =  'x  y' -- c\n  AND  \"Q  R\" /* c */ = 1"),
                        "a = 'x  y' AND \"Q  R\" = 1");
}

static void test_settings(void **state)
{
    (void)state;
    BackfillSettings s;
    ZdmError err = {0};
    backfill_settings_unset(&s);
    assert_int_equal(backfill_settings_finish(&s, &err), 0);
    assert_int_equal(s.batch_size, BACKFILL_DEFAULT_BATCH);
    assert_int_equal(s.min_batch, BACKFILL_DEFAULT_MIN);
    assert_int_equal(s.max_batch, BACKFILL_DEFAULT_MAX);
    assert_int_equal(s.target_ms, 200);
    assert_int_equal(s.pause_ms, 0);
    /* a small first batch lowers the minimum with it; a big one raises the maximum */
    backfill_settings_unset(&s);
    s.batch_size = 10;
    assert_int_equal(backfill_settings_finish(&s, &err), 0);
    assert_int_equal(s.min_batch, 10);
    backfill_settings_unset(&s);
    s.batch_size = 100000;
    assert_int_equal(backfill_settings_finish(&s, &err), 0);
    assert_int_equal(s.max_batch, 100000);
    backfill_settings_unset(&s);
    s.min_batch = 500;
    s.max_batch = 400;
    assert_int_equal(backfill_settings_finish(&s, &err), -1);
    assert_non_null(strstr(err.message, "min (500)"));
    /* the command line overrides the file, field by field */
    BackfillSettings file, cli;
    backfill_settings_unset(&file);
    backfill_settings_unset(&cli);
    file.batch_size = 300;
    file.pause_ms = 50;
    cli.pause_ms = 0;
    backfill_settings_merge(&file, &cli);
    assert_int_equal(file.batch_size, 300);
    assert_int_equal(file.pause_ms, 0);
}

static void test_batch_size_adapts(void **state)
{
    (void)state;
    BackfillSettings s;
    ZdmError err = {0};
    backfill_settings_unset(&s);
    assert_int_equal(backfill_settings_finish(&s, &err), 0); /* 100..50000, 200ms */
    double r = 0; /* a fresh job: the first batch's rate is all there is */
    assert_int_equal(backfill_next_batch_size(1000, 200, &r, &s), 1000); /* on target */
    r = 0;
    assert_int_equal(backfill_next_batch_size(1000, 100, &r, &s), 2000); /* twice as fast */
    r = 0;
    assert_int_equal(backfill_next_batch_size(1000, 10, &r, &s), 2000); /* growth capped at x2 */
    r = 0;
    assert_int_equal(backfill_next_batch_size(1000, 0, &r, &s), 2000);
    r = 0;
    assert_int_equal(backfill_next_batch_size(1000, 400, &r, &s), 500);
    r = 0;
    assert_int_equal(backfill_next_batch_size(1000, 4000, &r, &s), 250); /* shrink capped at /4 */
    r = 0;
    assert_int_equal(backfill_next_batch_size(200, 4000, &r, &s), 100); /* never below min */
    r = 0;
    assert_int_equal(backfill_next_batch_size(40000, 50, &r, &s), 50000); /* never above max */
    /* converges: a table that does 10 rows/ms settles at 2000 rows per 200 ms */
    long n = 100;
    r = 0;
    for (int i = 0; i < 20; i++)
        n = backfill_next_batch_size(n, (double)n / 10.0, &r, &s);
    assert_int_equal(n, 2000);
    /* one batch twice as fast does not double the next: a quarter of the way */
    assert_int_equal(backfill_next_batch_size(2000, 100, &r, &s), 2286);
    /* one twice as slow halves it at once */
    r = 0.1;
    assert_int_equal(backfill_next_batch_size(2000, 400, &r, &s), 1000);
}

static BackfillTarget composite(void)
{
    static const char *names[] = {"tenant_id", "\"Order No\""};
    static const char *types[] = {"integer", "text"};
    return (BackfillTarget){.qualified = "public.\"Odd\"\"Name\"", .alias = "\"Odd\"\"Name\"", .nkeys = 2,
                            .key_names = names, .key_types = types};
}

static void test_sql_single_key(void **state)
{
    Arena *a = *state;
    static const char *names[] = {"id"};
    static const char *types[] = {"bigint"};
    BackfillTarget t = {.qualified = "public.customer", .alias = "customer", .nkeys = 1,
                        .key_names = names, .key_types = types};
    BackfillJob job = {.set = "x = 1", .check = "x IS NULL -- trailing comment"};
    assert_string_equal(backfill_bound_sql(a, &t, false, true),
        "WITH zdm_range AS (SELECT id AS zdm_k1 FROM public.customer WHERE id <= $2::bigint"
        " ORDER BY id LIMIT $1::bigint)\n"
        "SELECT zdm_k1::text AS zdm_t1, (SELECT count(*) FROM zdm_range) FROM zdm_range ORDER BY zdm_k1 DESC LIMIT 1");
    assert_string_equal(backfill_bound_sql(a, &t, true, true),
        "WITH zdm_range AS (SELECT id AS zdm_k1 FROM public.customer WHERE id > $2::bigint AND id <= $3::bigint"
        " ORDER BY id LIMIT $1::bigint)\n"
        "SELECT zdm_k1::text AS zdm_t1, (SELECT count(*) FROM zdm_range) FROM zdm_range ORDER BY zdm_k1 DESC LIMIT 1");
    assert_string_equal(backfill_bound_sql(a, &t, true, false),
        "SELECT zdm_k1::text, $1::bigint FROM (SELECT id AS zdm_k1 FROM public.customer WHERE id > $2::bigint"
        " AND id <= $3::bigint ORDER BY id OFFSET $1::bigint - 1 LIMIT 1) zdm_s");
    /* a plain table: rows found by ctid */
    t.by_ctid = true;
    const char *sql = backfill_batch_sql(a, &t, &job, "public", true);
    assert_non_null(strstr(sql, "WITH zdm_cand AS (SELECT customer.ctid AS zdm_c, id AS zdm_k1 FROM public.customer "
                                "AS customer WHERE id > $3::bigint AND id <= $4::bigint AND (\nx IS NULL -- trailing "
                                "comment\n)),\n"));
    assert_non_null(strstr(sql, "zdm_todo AS (SELECT customer.ctid AS zdm_c, id AS zdm_k1 FROM public.customer AS "
                                "customer WHERE customer.ctid = ANY (ARRAY(SELECT zdm_c FROM zdm_cand)) AND (\nx IS "
                                "NULL -- trailing comment\n) FOR NO KEY UPDATE SKIP LOCKED),\n"));
    assert_non_null(strstr(sql, "zdm_upd AS (\nUPDATE public.customer SET\nx = 1\nWHERE customer.ctid = ANY "
                                "(ARRAY(SELECT zdm_c FROM zdm_todo)) RETURNING customer.id AS zdm_k1),\n"));
    /* rows locked in a version newer than the snapshot: by key */
    assert_non_null(strstr(sql, "zdm_moved AS (\nUPDATE public.customer SET\nx = 1\nWHERE customer.id = ANY "
                                "(ARRAY(SELECT zdm_k1 FROM zdm_todo EXCEPT SELECT zdm_k1 FROM zdm_upd)) AND (SELECT "
                                "count(*) FROM zdm_upd) < (SELECT count(*) FROM zdm_todo) RETURNING 1),\n"));
    assert_non_null(strstr(sql, "zdm_skipped AS (INSERT INTO public.zdm_backfill_skipped (job, key) SELECT $1, "
                                "ARRAY[zdm_k1::text] FROM (SELECT zdm_k1 FROM zdm_cand EXCEPT SELECT zdm_k1 FROM "
                                "zdm_todo) zdm_s WHERE (SELECT count(*) FROM zdm_todo) < (SELECT count(*) FROM "
                                "zdm_cand) ON CONFLICT DO NOTHING RETURNING 1),\n"));
    assert_non_null(strstr(sql, "UPDATE public.zdm_backfills SET last_key = ARRAY[$4],"));
    assert_non_null(strstr(sql, "rows_scanned = rows_scanned + $2::bigint"));
    /* a partitioned table: a ctid names a row only within its partition */
    t.by_ctid = false;
    sql = backfill_batch_sql(a, &t, &job, "public", true);
    assert_null(strstr(sql, "ctid"));
    assert_non_null(strstr(sql, "zdm_todo AS (SELECT id AS zdm_k1 FROM public.customer AS customer WHERE "
                                "id > $3::bigint AND id <= $4::bigint AND (\nx IS NULL -- trailing comment\n)"
                                " FOR NO KEY UPDATE SKIP LOCKED)"));
    assert_non_null(strstr(sql, "zdm_done AS (\nUPDATE public.customer SET\nx = 1\n"
                                "WHERE customer.id = ANY (ARRAY(SELECT zdm_k1 FROM zdm_todo)) RETURNING 1)"));
    /* the first batch has no lower bound, and the upper bound moves to $3 */
    sql = backfill_batch_sql(a, &t, &job, "Zdm State", false);
    assert_non_null(strstr(sql, "WHERE id <= $3::bigint AND (\n"));
    assert_non_null(strstr(sql, "last_key = ARRAY[$3]"));
    assert_non_null(strstr(sql, "INSERT INTO \"Zdm State\".zdm_backfill_skipped"));
}

static void test_sql_composite_key(void **state)
{
    Arena *a = *state;
    BackfillTarget t = composite();
    BackfillJob job = {.set = "note = 'x'", .check = NULL};
    assert_string_equal(backfill_bound_sql(a, &t, true, true),
        "WITH zdm_range AS (SELECT tenant_id AS zdm_k1, \"Order No\" AS zdm_k2 FROM public.\"Odd\"\"Name\" WHERE "
        "(tenant_id, \"Order No\") > ($2::integer, $3::text) AND (tenant_id, \"Order No\") <= ($4::integer, $5::text)"
        " ORDER BY tenant_id, \"Order No\" LIMIT $1::bigint)\n"
        "SELECT zdm_k1::text AS zdm_t1, zdm_k2::text AS zdm_t2, (SELECT count(*) FROM zdm_range) FROM zdm_range"
        " ORDER BY zdm_k1 DESC, zdm_k2 DESC LIMIT 1");
    const char *sql = backfill_batch_sql(a, &t, &job, "public", true);
    /* no check: every row of the range is locked, none filtered */
    assert_non_null(strstr(sql, "AND (tenant_id, \"Order No\") <= ($5::integer, $6::text) FOR NO KEY UPDATE SKIP LOCKED"));
    assert_non_null(strstr(sql, "WHERE (\"Odd\"\"Name\".tenant_id, \"Odd\"\"Name\".\"Order No\") IN "
                                "(SELECT zdm_k1, zdm_k2 FROM zdm_todo)"));
    assert_non_null(strstr(sql, "last_key = ARRAY[$5, $6]"));
    t.by_ctid = true;
    sql = backfill_batch_sql(a, &t, &job, "public", true);
    assert_non_null(strstr(sql, "RETURNING \"Odd\"\"Name\".tenant_id AS zdm_k1, \"Odd\"\"Name\".\"Order No\" AS zdm_k2),"));
    assert_non_null(strstr(sql, "WHERE (\"Odd\"\"Name\".tenant_id, \"Odd\"\"Name\".\"Order No\") IN (SELECT zdm_k1, "
                                "zdm_k2 FROM zdm_todo EXCEPT SELECT zdm_k1, zdm_k2 FROM zdm_upd) AND"));
    const char *retry = backfill_retry_sql(a, &t, &job, "public");
    assert_non_null(strstr(retry, "(tenant_id, \"Order No\") IN (SELECT key[1]::integer, key[2]::text FROM zdm_pending)"));
    assert_non_null(strstr(retry, "DELETE FROM public.zdm_backfill_skipped WHERE job = $1 AND key IN "
                                  "(SELECT key FROM zdm_pending EXCEPT SELECT key FROM zdm_locked)"));
    assert_non_null(strstr(retry, "zdm_locked AS (SELECT ARRAY[zdm_k1::text, zdm_k2::text] AS key FROM "
                                  "(SELECT tenant_id AS zdm_k1, \"Order No\" AS zdm_k2 FROM public.\"Odd\"\"Name\" "
                                  "AS \"Odd\"\"Name\" WHERE (tenant_id, \"Order No\") IN (SELECT key[1]::integer, "
                                  "key[2]::text FROM zdm_pending) EXCEPT SELECT zdm_k1, zdm_k2 FROM zdm_todo) zdm_s)"));
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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_set_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_update_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adhoc_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_ignores_comments_and_settings, setup, teardown),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_batch_size_adapts),
        cmocka_unit_test_setup_teardown(test_sql_single_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sql_composite_key, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
