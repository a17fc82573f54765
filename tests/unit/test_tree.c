/*
 * test_tree.c — sql_read_tree reads what cJSON_Parse reads, the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pg_query.h>
#include <string.h>

#include "sql/sql.h"

/* Both readers on the same text: both refuse it, or both give equal trees. */
static void same_as_cjson(const char *json)
{
    Arena *a = arena_new();
    cJSON *ours = sql_read_tree(a, json, strlen(json));
    cJSON *theirs = cJSON_Parse(json);
    if (!theirs) {
        assert_null(ours);
    } else {
        assert_non_null(ours);
        assert_true(cJSON_Compare(ours, theirs, 1));
        cJSON_Delete(theirs);
    }
    arena_free(a);
}

static void parse_trees_read_alike(void **state)
{
    (void)state;
    static const char *sql[] = {
        "CREATE TABLE \"Orders\" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "total numeric(12,2) NOT NULL DEFAULT 0.5, note text DEFAULT 'it''s \"quoted\" \\ ok', "
        "created timestamptz DEFAULT now(), tags text[] CHECK (cardinality(tags) < 10))",
        "ALTER TABLE orders ADD COLUMN big int8 DEFAULT 9223372036854775807, "
        "ADD COLUMN neg int DEFAULT -2147483648, ADD COLUMN f float8 DEFAULT 1.5e300",
        "CREATE INDEX CONCURRENTLY ix ON orders USING gin (tags) WHERE note <> E'tab\\there\\nnew'",
        "INSERT INTO t VALUES ('caf\xc3\xa9 \xf0\x9f\x98\x80', U&'\\0041', x'1F', 1e-5)",
        "DO $$ BEGIN RAISE NOTICE 'ctl %', chr(1); END $$",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        PgQueryParseResult r = pg_query_parse(sql[i]);
        assert_null(r.error);
        same_as_cjson(r.parse_tree);
        pg_query_free_parse_result(r);
    }
}

static void escapes_and_edges(void **state)
{
    (void)state;
    same_as_cjson("{\"a\":\"\\u00e9\\u20ac\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"}");
    same_as_cjson("[1, -0, 2147483648, -2147483649, 0.25, 1E3, true, false, null, [], {}]");
    same_as_cjson("  {\"nested\": {\"deep\": [[[\"x\"]]]}, \"k\": \"\"}  ");
    same_as_cjson("{\"a\":1,}");        /* trailing comma */
    same_as_cjson("{\"a\" 1}");         /* missing colon */
    same_as_cjson("[\"unterminated]");
    same_as_cjson("[\"\\ud83d alone\"]"); /* half a surrogate pair */
    same_as_cjson("[\"\\x\"]");          /* unknown escape */
    same_as_cjson("");
    /* cJSON_Parse stops after the first value; we refuse what follows it */
    Arena *a = arena_new();
    assert_null(sql_read_tree(a, "[1] [2]", 7));
    arena_free(a);
}

static void children_link_like_cjson(void **state)
{
    (void)state;
    Arena *a = arena_new();
    const char *json = "{\"stmts\": [1, 2, 3]}";
    cJSON *root = sql_read_tree(a, json, strlen(json));
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "stmts");
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    assert_int_equal(cJSON_GetArrayItem(arr, 2)->valueint, 3);
    assert_ptr_equal(arr->child->prev, cJSON_GetArrayItem(arr, 2)); /* first->prev is the last */
    assert_null(cJSON_GetArrayItem(arr, 2)->next);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_trees_read_alike),
        cmocka_unit_test(escapes_and_edges),
        cmocka_unit_test(children_link_like_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
