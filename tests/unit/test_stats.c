/*
 * test_stats.c — the pure side of --stats: sizes as --small-table takes them
 * and as findings print them. The rest (the file, the estimates, the notice)
 * is covered end to end by tests/golden/stats and tests/integration/stats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/stats.h"

static void small_table_sizes(void **state)
{
    (void)state;
    assert_true(stats_parse_size("10MB") == 10LL * 1024 * 1024);
    assert_true(stats_parse_size("512kB") == 512LL * 1024);
    assert_true(stats_parse_size("512KB") == 512LL * 1024);
    assert_true(stats_parse_size("1.5 GB") == 1536LL * 1024 * 1024);
    assert_true(stats_parse_size("2TB") == 2LL * 1024 * 1024 * 1024 * 1024);
    assert_true(stats_parse_size("4096") == 4096);
    assert_true(stats_parse_size("0") == 0);
    assert_true(stats_parse_size("") < 0);
    assert_true(stats_parse_size("MB") < 0);
    assert_true(stats_parse_size("-1MB") < 0);
    assert_true(stats_parse_size("10 mb") < 0); /* units as PostgreSQL spells them */
    assert_true(stats_parse_size("10MiB") < 0);
    assert_true(stats_parse_size("nan") < 0);
}

static void sizes_as_people_read_them(void **state)
{
    (void)state;
    Arena *a = arena_new();
    assert_string_equal(stats_size_text(a, 900), "900 bytes");
    assert_string_equal(stats_size_text(a, 49152), "48 kB");
    assert_string_equal(stats_size_text(a, 1536), "1.5 kB");
    assert_string_equal(stats_size_text(a, 10LL * 1024 * 1024), "10 MB");
    assert_string_equal(stats_size_text(a, 10307921510LL), "9.6 GB");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_table_sizes),
        cmocka_unit_test(sizes_as_people_read_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
