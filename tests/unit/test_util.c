/*
 * test_util.c — the string map and the interner the planner leans on, and
 * the arena's cleanups (what parse trees' memory contexts ride on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "util/util.h"

static void strmap_holds_many_keys(void **state)
{
    (void)state;
    Arena *a = arena_new();
    StrMap m = {0};
    assert_null(strmap_get(&m, "absent"));
    char *keys[5000];
    for (int i = 0; i < 5000; i++) {
        keys[i] = arena_printf(a, "public.t_%d", i);
        strmap_put(a, &m, keys[i], keys[i]);
    }
    assert_int_equal(m.len, 5000);
    for (int i = 0; i < 5000; i++) {
        char probe[32];
        snprintf(probe, sizeof probe, "public.t_%d", i); /* another pointer, same text */
        assert_ptr_equal(strmap_get(&m, probe), keys[i]);
    }
    assert_null(strmap_get(&m, "public.t_5000"));
    strmap_put(a, &m, "public.t_7", "replaced");
    assert_int_equal(m.len, 5000);
    assert_string_equal(strmap_get(&m, "public.t_7"), "replaced");
    arena_free(a);
}

static void intern_gives_one_pointer_per_text(void **state)
{
    (void)state;
    Arena *a = arena_new();
    Interner in = {.arena = a};
    char buf[16] = "orders";
    const char *x = util_intern(&in, buf);
    buf[0] = 'O'; /* the interned copy does not follow the caller's buffer */
    assert_string_equal(x, "orders");
    assert_ptr_equal(util_intern(&in, "orders"), x);
    assert_ptr_not_equal(util_intern(&in, "Orders"), x);
    assert_true(util_streq(x, util_intern(&in, "orders")));
    arena_free(a);
}

static void utf8_prefix_cuts_on_a_boundary(void **state)
{
    (void)state;
    Arena *a = arena_new();
    assert_string_equal(util_utf8_prefix(a, "abc", 40), "abc");
    assert_string_equal(util_utf8_prefix(a, "a\xc3\xa9\xc3\xa9", 4), "a\xc3\xa9"); /* byte 4 is mid-é */
    assert_string_equal(util_utf8_prefix(a, "a\xc3\xa9\xc3\xa9", 5), "a\xc3\xa9\xc3\xa9");
    assert_string_equal(util_utf8_prefix(a, "\xe2\x82\xac", 2), "");
    arena_free(a);
}

static void utf8_valid_says_where(void **state)
{
    (void)state;
    int line = 0, col = 0;
    assert_true(util_utf8_valid("caf\xc3\xa9\n\xf0\x9f\x98\x80", 10, &line, &col));
    assert_false(util_utf8_valid("ab\ncaf\xe9'", 8, &line, &col));
    assert_int_equal(line, 2);
    assert_int_equal(col, 4);
    assert_false(util_utf8_valid("\xc0\xaf", 2, &line, &col)); /* overlong '/' */
    assert_false(util_utf8_valid("\xed\xa0\x80", 3, &line, &col)); /* a surrogate */
    assert_false(util_utf8_valid("a\xe2\x82", 3, &line, &col)); /* cut short */
    assert_int_equal(col, 2);
}

static void record(void *arg)
{
    List *order = ((void **)arg)[0];
    list_push(((void **)arg)[1], order, ((void **)arg)[2]);
}

/* Cleanups run when the arena is freed, newest first, and an adopted
 * arena's run with its new owner's, not when it is adopted. */
static void cleanups_run_at_free(void **state)
{
    (void)state;
    Arena *log = arena_new();
    List order = {0};
    Arena *a = arena_new(), *child = arena_new();
    void *args[3][3] = {{&order, log, "a1"}, {&order, log, "a2"}, {&order, log, "child"}};
    arena_on_free(a, record, args[0]);
    arena_on_free(child, record, args[2]);
    arena_on_free(a, record, args[1]);
    arena_adopt(a, child);
    assert_int_equal(order.len, 0);
    arena_free(a);
    assert_int_equal(order.len, 3);
    assert_string_equal(LIST_GET(&order, 0), "child");
    assert_string_equal(LIST_GET(&order, 1), "a2");
    assert_string_equal(LIST_GET(&order, 2), "a1");
    arena_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strmap_holds_many_keys),
        cmocka_unit_test(intern_gives_one_pointer_per_text),
        cmocka_unit_test(utf8_prefix_cuts_on_a_boundary),
        cmocka_unit_test(utf8_valid_says_where),
        cmocka_unit_test(cleanups_run_at_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
