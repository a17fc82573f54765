/*
 * test_pyeval.c — what the migration reader evaluates (py.h, pyeval.c):
 * one test per construct, each with the exact value and, where zdm must
 * not guess, the opaque node and its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "django/py.h"

static Arena *arena;

static int setup(void **state)
{
    (void)state;
    arena = arena_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(arena);
    return 0;
}

static const PyEnv *settings;

/* The value of `v = <expr>` after the module text pre, in class Migration. */
static const PyNode *value_after(const char *pre, const char *expr)
{
    const char *text = arena_printf(arena, "%s\nclass Migration:\n    operations = [%s]\n", pre, expr);
    PyMigration *pm = arena_alloc(arena, sizeof *pm);
    ZdmError err = {0};
    if (py_read_migration(arena, "m.py", text, strlen(text), settings, pm, &err) < 0)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.column, err.message);
    assert_int_equal(pm->operations->items.len, 1);
    return LIST_GET(&pm->operations->items, 0);
}

static const PyNode *value(const char *expr) { return value_after("", expr); }

static void expect_str(const char *pre, const char *expr, const char *want)
{
    const PyNode *v = value_after(pre, expr);
    if (v->kind != PY_STR)
        fail_msg("%s: not a string but %s", expr, py_render(arena, v));
    assert_string_equal(v->s, want);
}

static void expect_opaque(const char *pre, const char *expr, const char *needle)
{
    const PyNode *v = value_after(pre, expr);
    if (v->kind != PY_OPAQUE)
        fail_msg("%s: not opaque but %s", expr, py_render(arena, v));
    if (!strstr(v->s, needle))
        fail_msg("%s: reason '%s' lacks '%s'", expr, v->s, needle);
}

static void expect_render(const char *pre, const char *expr, const char *want)
{
    assert_string_equal(py_render(arena, value_after(pre, expr)), want);
}

static void test_names(void **state)
{
    (void)state;
    expect_str("A = 'x'\nB = A", "B", "x");
    expect_render("A = ['a', ('b', 1)]", "A", "['a', ('b', 1)]");
    /* class-level names are seen in the class, module names too */
    expect_render("X = 1\nclass Other:\n    X = 2\n", "X", "1");
    /* rebinding: the last value before the class */
    expect_str("A = 'x'\nA = 'y'", "A", "y");
    /* names bound after the class are not seen (Python runs in order) */
    expect_render("", "migrations.AddField", "migrations.AddField");
    /* an alias of a module-level name */
    expect_render("AddField = migrations.AddField", "AddField('m', 'f')", "migrations.AddField('m', 'f')");
    /* a, b = 1, 2 */
    expect_render("a, b = 'p', 'q'", "(b, a)", "('q', 'p')");
}

static void test_operators(void **state)
{
    (void)state;
    expect_render("A = [1]\nB = (2,)", "(A + [3], B + (4,), A * 2, 2 * B)", "([1, 3], (2, 4), [1, 1], (2, 2))");
    expect_str("", "'ab' + 'c' * 3", "abccc");
    expect_render("", "(7 % 3, -7 % 3, 2 - 5, 1 == 1.0, 'a' != 'a', 'b' in ('a', 'b'), None is None)",
                  "(1, 2, -3, True, False, True, True)");
    /* chained: a == b == c is (a == b) and (b == c) */
    expect_render("", "('a' == 'a' == 'a', 'a' == 'a' != 'a', 1 < 2 <= 2, 3 > 2 > 2, 'a' < 'b', 'b' >= 'c')",
                  "(True, False, True, False, True, False)");
    /* A + [...] with A unknown: the literal part stays, A is one opaque element */
    const char *text = "from x import A\nclass Migration:\n    operations = A + [f()]\n";
    PyMigration pm;
    ZdmError err = {0};
    assert_int_equal(py_read_migration(arena, "m.py", text, strlen(text), NULL, &pm, &err), 0);
    assert_int_equal(pm.operations->items.len, 2);
    const PyNode *a = LIST_GET(&pm.operations->items, 0);
    assert_int_equal(a->kind, PY_OPAQUE);
    assert_int_equal(a->line, 3);
    assert_int_equal(a->col, 18);
    assert_non_null(strstr(a->s, "A, which this file does not define"));
    assert_int_equal(((PyNode *)LIST_GET(&pm.operations->items, 1))->kind, PY_CALL);
    /* a size zdm will not build */
    expect_opaque("", "[1] * 10 ** 9", "");
}

static void test_mutation(void **state)
{
    (void)state;
    expect_render("A = [1]\nA += [2]\nA.append(3)\nA.extend((4, 5))\nA.insert(0, 0)\nA.insert(-1, 9)", "A",
                  "[0, 1, 2, 3, 4, 9, 5]");
    /* aliases see a change in place, as in Python */
    expect_render("A = [1]\nB = A\nB.append(2)", "A", "[1, 2]");
    /* a list appended into itself would be a cycle */
    expect_opaque("A = [1]\nA.append(A)", "A", "appended into itself");
    /* a method zdm does not follow makes the name unknown, saying where */
    expect_opaque("A = [2, 1]\nA.sort()", "A", "changed at line 2 (changed by .sort())");
    expect_opaque("A = [1]\nA[0] = 2", "A", "changed item by item");
}

static void test_comprehensions(void **state)
{
    (void)state;
    expect_render("", "[x * 2 for x in (1, 2, 3) if x != 2]", "[2, 6]");
    expect_render("N = ('a', 'b')", "[(n, i) for n in N for i in range(2)]",
                  "[('a', 0), ('a', 1), ('b', 0), ('b', 1)]");
    expect_render("", "[k for k, v in (('a', 1), ('b', 2))]", "['a', 'b']");
    expect_str("", "'-'.join(c.upper() for c in 'abc')", "A-B-C");
    expect_opaque("from x import items", "[i for i in items]", "comprehension over items");
}

static void test_strings(void **state)
{
    (void)state;
    expect_str("T = 'app_item'\nN = 3", "f'DROP TABLE {T} -- {N!r} {{x}}'", "DROP TABLE app_item -- 3 {x}");
    expect_str("T = \"it's\"", "f'{T!r}'", "\"it's\"");
    expect_str("", "'{} {name} {0}'.format('a', name='b')", "a b a");
    expect_str("", "'%s.%s %d%%' % ('a', 'b', 5)", "a.b 5%");
    expect_str("", "'%(t)s' % {'t': 'x'}", "x");
    expect_str("", "'  Ab C '.strip().lower().replace(' ', '_')", "ab_c");
    expect_str("", "'xxAxx'.strip('x')", "A");
    expect_render("", "('a,b,,c'.split(','), ' a  b '.split(), 'a b c'.split(None, 1))",
                  "(['a', 'b', '', 'c'], ['a', 'b'], ['a', 'b c'])");
    expect_render("", "('a.b.c'.rsplit('.', 1), 'a.b.c'.rsplit('.'), 'a b'.rsplit())",
                  "(['a.b', 'c'], ['a', 'b', 'c'], ['a', 'b'])");
    expect_render("", "('abc'.startswith('ab'), 'abc'.endswith(('x', 'bc')))", "(True, True)");
    /* exact or opaque: no case mapping of non-ASCII text, no format specs */
    expect_opaque("", "'\\u00c9'.lower()", "cannot map exactly");
    expect_opaque("N = 3", "f'{N:>5}'", "format spec");
    expect_opaque("from x import T", "'DROP TABLE {}'.format(T)", "");
}

static void test_vendor_and_if(void **state)
{
    (void)state;
    expect_str("from django.db import connection\n"
               "if connection.vendor == 'postgresql':\n    S = 'pg'\nelif connection.vendor == 'sqlite':\n    S = 'lite'\n"
               "else:\n    S = 'other'",
               "S", "pg");
    expect_str("if connection.vendor != 'postgresql':\n    S = 'no'\nelse:\n    S = 'yes'", "S", "yes");
    expect_str("S = 'a'\nif connection.vendor.startswith('post'): S = 'b'", "S", "b");
    /* a condition zdm cannot decide: what the branches set is unknown */
    expect_opaque("from x import flag\nS = 'a'\nif flag:\n    S = 'b'", "S", "set under `if flag` (line 3)");
    /* a loop, a try: the same */
    expect_opaque("for i in f():\n    S = i", "S", "set in a loop (line 1)");
    /* try: the body runs (dependencies installed); an except clause's assignments are unknown,
     * but for the names the body imported */
    expect_str("try:\n    S = 'body'\nexcept Exception:\n    pass\nelse:\n    T = S + '!'", "T", "body!");
    expect_opaque("S = 'a'\ntry:\n    pass\nexcept Exception:\n    S = 'b'", "S", "set in an except clause (line 4)");
    expect_render("try:\n    from django.contrib.postgres.operations import BtreeGinExtension as Ext\n"
                  "except ImportError:\n    Ext = None\n",
                  "Ext()", "Ext()");
    /* the class body's own if */
    const char *text = "class Migration:\n    operations = [a()]\n    if connection.vendor == 'postgresql':\n"
                       "        operations += [b()]\n";
    PyMigration pm;
    ZdmError err = {0};
    assert_int_equal(py_read_migration(arena, "m.py", text, strlen(text), NULL, &pm, &err), 0);
    assert_int_equal(pm.operations->items.len, 2);
}

static void test_settings_and_swapper(void **state)
{
    (void)state;
    PyEnv *env = py_env_new(arena, NULL);
    const char *s = "import os\nfrom .base import *\nAUTH_USER_MODEL = 'accounts.User'\n"
                    "DEBUG = os.environ.get('X') == '1'\nAPPS = ['a'] + ['b']\nfor x in y:\n    LOOPED = 1\n"
                    "this is not python at all\nAFTER = 'still read'\n";
    ZdmError err = {0};
    assert_int_equal(py_read_settings(arena, "settings.py", s, strlen(s), env, &err), 0);
    settings = env;
    expect_str("from django.conf import settings", "settings.AUTH_USER_MODEL", "accounts.User");
    expect_render("", "settings.APPS", "['a', 'b']");
    /* a file that changes a setting's list changes its own copy */
    expect_render("A = settings.APPS\nA.append('c')", "A", "['a', 'b', 'c']");
    expect_render("", "settings.APPS", "['a', 'b']");
    expect_str("", "settings.AFTER", "still read");
    expect_render("", "settings.UNKNOWN", "settings.UNKNOWN");
    expect_str("", "settings.DEFAULT_AUTO_FIELD", "django.db.models.AutoField"); /* Django's default */
    settings = NULL;
    expect_str("", "settings.AUTH_USER_MODEL.rsplit('.', 1)[1].lower()", "user");
    settings = NULL;
    expect_render("import swapper", "(swapper.is_swapped('a', 'M'), swapper.get_model_name('a', 'M').lower(), "
                                    "swapper.swappable_setting('a', 'M'), swapper.dependency('a', 'M'))",
                  "(False, 'a.m', 'A_M_MODEL', ('a', '__first__'))");
    expect_render("", "import_string('django.db.models.BigAutoField')(primary_key=True)",
                  "django.db.models.BigAutoField(primary_key=True)");
}

static void test_functions(void **state)
{
    (void)state;
    /* a function of the file keeps its name as a value (RunPython(forwards)) */
    expect_render("def forwards(apps, schema_editor):\n    pass\n", "RunPython(forwards)", "RunPython(forwards)");
    /* calling it is running Python */
    expect_opaque("def make(n):\n    return n\n", "make(1)", "built by make() (defined at line 1 of this file)");
    /* an operation class of the file: a call the caller reports as unknown */
    expect_render("class AddThing(migrations.AddField):\n    pass\n", "AddThing('m', 'f')", "AddThing('m', 'f')");
    const PyNode *v = value("unknown_helper(1)");
    assert_int_equal(v->kind, PY_CALL);
    assert_string_equal(py_why_not(arena, v, "operations"), "operations built by unknown_helper(): zdm does not run Python");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comprehensions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor_and_if, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_and_swapper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
