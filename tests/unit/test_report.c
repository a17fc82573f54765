/*
 * test_report.c — the renderers, on Plans built by hand: no parser, replay or
 * planner is involved, so these tests pin exactly what report/ prints for a
 * given decision. Machine formats are parsed back with cJSON and checked
 * field by field; the text format is checked for order, alignment and the
 * absence of escape codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "report/report.h"

/* ---- building plans ---------------------------------------------------- */

typedef struct Fixture {
    Arena *a;
    History h;
    Plan plan;
} Fixture;

static Fixture *fixture_new(const char *assumption, const char *deployed)
{
    Arena *a = arena_new();
    Fixture *fx = arena_alloc(a, sizeof *fx);
    fx->a = a;
    fx->h.items = arena_alloc(a, sizeof(Migration *) * 16);
    fx->plan.pg_version = 15;
    fx->plan.assumption = assumption;
    fx->plan.deployed = deployed;
    fx->plan.history = &fx->h;
    return fx;
}

static Migration *add_migration(Fixture *fx, const char *name, const char *text,
                                Phase phase, const char *reason)
{
    Migration *m = arena_alloc(fx->a, sizeof *m);
    m->index = fx->h.n;
    m->name = name;
    m->file = arena_printf(fx->a, "migrations/%s.sql", name);
    m->text = text;
    m->len = strlen(text);
    m->stmts = arena_alloc(fx->a, sizeof(Statement *) * 8);
    m->phase = phase;
    m->reason = reason;
    fx->h.items[fx->h.n++] = m;
    return m;
}

/* A statement starting at the first occurrence of sql in the migration's text. */
static Statement *add_stmt(Fixture *fx, Migration *m, const char *sql, Cost cost)
{
    const char *at = strstr(m->text, sql);
    assert_non_null(at);
    Statement *s = arena_alloc(fx->a, sizeof *s);
    s->index = m->nstmts;
    s->sql = at;
    s->len = (int)strlen(sql);
    if (s->len > 0 && sql[s->len - 1] == ';')
        s->len--;
    s->offset = (int)(at - m->text);
    util_line_col(m->text, s->offset, &s->line, &s->column);
    s->fx = arena_alloc(fx->a, sizeof(Effects));
    s->fx->cost = cost;
    m->stmts[m->nstmts++] = s;
    return s;
}

static void add_lock(Fixture *fx, Statement *s, const char *relation, LockMode mode,
                     bool new_table)
{
    LockTaken *lk = arena_alloc(fx->a, sizeof *lk);
    lk->relation = relation;
    lk->mode = mode;
    lk->new_table = new_table;
    list_push(fx->a, &s->fx->locks, lk);
}

static void add_allow(Fixture *fx, Statement *s, const char *rule, const char *reason)
{
    Allow *al = arena_alloc(fx->a, sizeof *al);
    al->rule = rule;
    al->reason = reason;
    al->line = s->line;
    list_push(fx->a, &s->allows, al);
}

/* A finding at the first occurrence of `at` in the migration text (NULL: the statement). */
static Finding *add_finding(Fixture *fx, Migration *m, Statement *s, const char *at,
                            const char *rule, const char *message, const char *fix)
{
    int offset = -1;
    if (at) {
        const char *p = strstr(m->text, at);
        assert_non_null(p);
        offset = (int)(p - m->text);
    }
    assert_non_null(rule_find(rule));
    return plan_add_finding(fx->a, &fx->plan, m, s, offset, rule, message, fix);
}

/*
 * The plan most tests use: one deployed migration, two before the deploy, one
 * after, one needing two releases; three errors, one warning and one
 * acknowledged finding.
 */
static Fixture *customer_plan(void)
{
    Fixture *fx = fixture_new("zdm: 4 pending migrations after 0001_initial (--deployed)",
                              "0001_initial");
    Migration *m1 = add_migration(fx, "0001_initial",
                                  "CREATE TABLE customer (id bigint PRIMARY KEY, plan text);\n",
                                  PHASE_DEPLOYED, NULL);
    add_lock(fx, add_stmt(fx, m1, "CREATE TABLE customer", COST_CATALOG), "public.customer",
             LOCK_ACCESS_EXCLUSIVE, false);

    Migration *m2 = add_migration(fx, "0002_add_index",
                                  "-- speed up the search page\n"
                                  "CREATE INDEX customer_name ON customer (company_name);\n"
                                  "SET lock_timeout = '2s';\n",
                                  PHASE_BEFORE, "the new code's search needs the index");
    Statement *s = add_stmt(fx, m2, "CREATE INDEX customer_name ON customer (company_name);",
                            COST_INDEX);
    add_lock(fx, s, "public.customer", LOCK_SHARE, false);
    add_stmt(fx, m2, "SET lock_timeout = '2s';", COST_NONE);
    add_finding(fx, m2, s, NULL, "index-not-concurrent",
                "CREATE INDEX blocks writes to customer until the index is built",
                "CREATE INDEX CONCURRENTLY customer_name ON customer (company_name);");

    Migration *m3 = add_migration(fx, "0003_orders",
                                  "CREATE TABLE orders (id bigint);\n"
                                  "UPDATE customer SET plan = 'free';\n",
                                  PHASE_BEFORE, NULL);
    add_lock(fx, add_stmt(fx, m3, "CREATE TABLE orders (id bigint);", COST_CATALOG),
             "public.orders", LOCK_ACCESS_EXCLUSIVE, true);
    s = add_stmt(fx, m3, "UPDATE customer SET plan = 'free';", COST_ROWS);
    add_lock(fx, s, "public.customer", LOCK_ROW_EXCLUSIVE, false);
    add_allow(fx, s, "whole-table-dml", "customer has 40 rows");
    add_finding(fx, m3, s, NULL, "whole-table-dml", "UPDATE rewrites every row of customer",
                "batch it");

    Migration *m4 = add_migration(fx, "0004_drop_plan",
                                  "ALTER TABLE customer\n"
                                  "\tDROP COLUMN plan;\n",
                                  PHASE_AFTER,
                                  "the new code no longer reads customer.plan;\n"
                                  "the old code still does");
    s = add_stmt(fx, m4, "ALTER TABLE customer\n\tDROP COLUMN plan;", COST_CATALOG);
    add_lock(fx, s, "public.customer", LOCK_ACCESS_EXCLUSIVE, false);
    add_finding(fx, m4, s, "plan;", "drop-column", "the data in customer.plan is lost",
                "keep a backup of the column");

    Migration *m5 = add_migration(fx, "0005_rename",
                                  "ALTER TABLE customer RENAME COLUMN company_name TO name;\n",
                                  PHASE_TWO_RELEASES,
                                  "old code breaks if it runs before the deploy, new code after");
    s = add_stmt(fx, m5, "ALTER TABLE customer RENAME COLUMN company_name TO name;",
                 COST_CATALOG);
    add_lock(fx, s, "public.customer", LOCK_ACCESS_EXCLUSIVE, false);
    add_finding(fx, m5, s, "RENAME", "rename-column",
                "queries naming customer.company_name fail", "add the new column instead");
    add_finding(fx, m5, NULL, NULL, "needs-two-releases",
                "no single deploy keeps both code versions working",
                "release 1: add column name, write both\n"
                "release 2: drop column company_name");
    return fx;
}

static void fixture_free(Fixture *fx) { arena_free(fx->a); }

static char *render(Fixture *fx, ReportFormat format, bool color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    report_render(fx->a, &fx->plan, format, color, out);
    assert_int_equal(fclose(out), 0);
    char *copy = arena_strndup(fx->a, buf, len);
    free(buf);
    return copy;
}

/* The line of text starting with prefix (a copy without its newline), or NULL. */
static char *line_starting(Fixture *fx, const char *text, const char *prefix)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            return arena_strndup(fx->a, p, n);
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* The line after the one starting with prefix. */
static char *line_after(Fixture *fx, const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    assert_non_null(p);
    p = strchr(p, '\n');
    assert_non_null(p);
    return line_starting(fx, p + 1, "");
}

static const char *last_line(const char *text)
{
    size_t n = strlen(text);
    assert_true(n > 0 && text[n - 1] == '\n');
    const char *p = text + n - 1;
    while (p > text && p[-1] != '\n')
        p--;
    return p;
}

/* ---- format names ------------------------------------------------------ */

static void test_format_parse(void **state)
{
    (void)state;
    ReportFormat f = FORMAT_TEXT;
    assert_int_equal(report_format_parse("json", &f), 0);
    assert_int_equal(f, FORMAT_JSON);
    assert_int_equal(report_format_parse("sarif", &f), 0);
    assert_int_equal(f, FORMAT_SARIF);
    assert_int_equal(report_format_parse("github", &f), 0);
    assert_int_equal(f, FORMAT_GITHUB);
    assert_int_equal(report_format_parse("text", &f), 0);
    assert_int_equal(f, FORMAT_TEXT);
    assert_int_equal(report_format_parse("JSON", &f), -1);
    assert_int_equal(report_format_parse("", &f), -1);
    assert_int_equal(report_format_parse(NULL, &f), -1);
    assert_int_equal(f, FORMAT_TEXT);
}

/* ---- text -------------------------------------------------------------- */

static void test_text_sections_in_order(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_TEXT, false);

    assert_true(strncmp(out, "zdm: 4 pending migrations after 0001_initial (--deployed)\n"
                             "PostgreSQL 15\n\n",
                        strlen("zdm: 4 pending migrations after 0001_initial (--deployed)\n"
                               "PostgreSQL 15\n\n")) == 0);
    const char *before = strstr(out, "\nBefore the deploy\n");
    const char *deploy = strstr(out, "\nDeploy the new code\n"
                                     "  roll out the new release; old and new code serve "
                                     "together until it finishes\n");
    const char *after = strstr(out, "\nAfter the deploy\n");
    const char *two = strstr(out, "\nNeeds two releases\n");
    const char *findings = strstr(out, "\nFindings\n");
    assert_non_null(before);
    assert_non_null(deploy);
    assert_non_null(after);
    assert_non_null(two);
    assert_non_null(findings);
    assert_true(before < deploy && deploy < after && after < two && two < findings);

    /* Execution order within a phase, and only in its own section. */
    const char *m2 = strstr(out, "\n  0002_add_index\n");
    const char *m3 = strstr(out, "\n  0003_orders\n");
    assert_true(before < m2 && m2 < m3 && m3 < deploy);
    const char *m4 = strstr(out, "\n  0004_drop_plan\n");
    assert_true(after < m4 && m4 < two);
    const char *m5 = strstr(out, "\n  0005_rename\n");
    assert_true(two < m5 && m5 < findings);

    /* Deployed migrations are context, not steps. */
    assert_null(strstr(out, "  0001_initial\n"));
    assert_string_equal(last_line(out), "3 errors, 1 warning, 0 notices (1 acknowledged)\n");
    fixture_free(fx);
}

static void test_text_migration_details(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_TEXT, false);

    char *want = arena_printf(fx->a,
                              "  0002_add_index\n"
                              "    the new code's search needs the index\n"
                              "    line 2: %s on customer \u00b7 %s\n"
                              "  0003_orders\n"
                              "    line 1: %s on orders (new table) \u00b7 %s\n"
                              "    line 2: %s on customer \u00b7 %s\n"
                              "\n",
                              lock_mode_name(LOCK_SHARE), cost_name(COST_INDEX),
                              lock_mode_name(LOCK_ACCESS_EXCLUSIVE), cost_name(COST_CATALOG),
                              lock_mode_name(LOCK_ROW_EXCLUSIVE), cost_name(COST_ROWS));
    assert_non_null(strstr(out, want));
    /* The multi-line reason stays under its migration. */
    want = arena_printf(fx->a,
                        "  0004_drop_plan\n"
                        "    the new code no longer reads customer.plan;\n"
                        "    the old code still does\n"
                        "    line 1: %s on customer \u00b7 %s\n",
                        lock_mode_name(LOCK_ACCESS_EXCLUSIVE), cost_name(COST_CATALOG));
    assert_non_null(strstr(out, want));
    /* SET takes no lock and costs nothing: not worth a line. */
    assert_null(strstr(out, "line 3:"));
    fixture_free(fx);
}

static void test_text_findings(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_TEXT, false);

    const char *want =
        "Findings\n"
        "migrations/0002_add_index.sql:2:1: error[index-not-concurrent] "
        "CREATE INDEX blocks writes to customer until the index is built\n"
        "  2 | CREATE INDEX customer_name ON customer (company_name);\n"
        "    | ^\n"
        "  fix: CREATE INDEX CONCURRENTLY customer_name ON customer (company_name);\n"
        "\n";
    assert_non_null(strstr(out, want));
    /* Migration-level: no position, no excerpt; the fix's lines stay aligned. */
    want = "\nmigrations/0005_rename.sql: error[needs-two-releases] "
           "no single deploy keeps both code versions working\n"
           "  fix: release 1: add column name, write both\n"
           "       release 2: drop column company_name\n"
           "\n";
    assert_non_null(strstr(out, want));
    /* Acknowledged findings are only counted. */
    assert_null(strstr(out, "whole-table-dml"));
    /* File order. */
    assert_true(strstr(out, "index-not-concurrent]") < strstr(out, "drop-column]"));
    assert_true(strstr(out, "drop-column]") < strstr(out, "rename-column]"));
    assert_true(strstr(out, "rename-column]") < strstr(out, "needs-two-releases]"));
    fixture_free(fx);
}

static void test_text_caret_under_column_after_tab(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_TEXT, false);

    /* "\tDROP COLUMN plan;": the finding is at column 14 ('p' after a tab). */
    assert_non_null(strstr(out, "migrations/0004_drop_plan.sql:2:14: warning[drop-column]"));
    char *src = line_after(fx, out, "warning[drop-column]");
    assert_string_equal(src, "  2 |         DROP COLUMN plan;");
    char *caret = line_after(fx, out, src);
    assert_string_equal(caret, "    |                     ^");
    assert_int_equal(strchr(caret, '^') - caret, strstr(src, "plan;") - src);
    assert_null(strchr(out, '\t'));
    fixture_free(fx);
}

static void test_text_caret_counts_characters(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("zdm: 1 pending migration", NULL);
    Migration *m = add_migration(fx, "0001_caf\u00e9",
                                 "\n\n\n\n\n\n\n\n\n\nUPDATE \"caf\u00e9\" SET n\u00e4me = 'x';\n",
                                 PHASE_BEFORE, NULL);
    Statement *s = add_stmt(fx, m, "UPDATE", COST_ROWS);
    add_finding(fx, m, s, "SET", "whole-table-dml", "every row", NULL);
    char *out = render(fx, FORMAT_TEXT, false);

    assert_non_null(strstr(out, ":11:15: warning[whole-table-dml] every row\n"));
    /* A two-digit line number widens the gutter of both lines. */
    char *src = line_after(fx, out, "every row");
    assert_string_equal(src, "  11 | UPDATE \"caf\u00e9\" SET n\u00e4me = 'x';");
    char *caret = line_after(fx, out, src);
    assert_string_equal(caret, "     |               ^");
    /* No fix: no "fix:" line. */
    assert_null(strstr(out, "fix:"));
    fixture_free(fx);
}

static void test_text_long_line_is_cut_around_caret(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("zdm: 1 pending migration", NULL);
    StrBuf sb;
    sb_init(&sb, fx->a);
    sb_append(&sb, "ALTER TABLE t ");
    for (int i = 0; i < 40; i++)
        sb_printf(&sb, "ADD COLUMN c%02d int, ", i);
    sb_append(&sb, "ADD CONSTRAINT target CHECK (c01 > 0), ");
    for (int i = 40; i < 60; i++)
        sb_printf(&sb, "ADD COLUMN c%02d int, ", i);
    sb_append(&sb, "ADD COLUMN last int;\n");
    Migration *m = add_migration(fx, "0001_wide", sb.data, PHASE_BEFORE, NULL);
    Statement *s = add_stmt(fx, m, "ALTER TABLE t", COST_SCAN);
    add_finding(fx, m, s, "CHECK", "constraint-without-not-valid", "scans t", "NOT VALID");
    char *out = render(fx, FORMAT_TEXT, false);

    char *src = line_after(fx, out, "scans t");
    char *caret = line_after(fx, out, src);
    assert_true(strlen(src) <= strlen("  1 | ") + 120);
    assert_true(strncmp(src, "  1 | ...", 9) == 0);
    assert_true(strlen(src) > 3 && strcmp(src + strlen(src) - 3, "...") == 0);
    assert_int_equal(strchr(caret, '^') - caret, strstr(src, "CHECK") - src);

    /* Near the start of a long line only the end is cut. */
    fx->plan.findings.len = 0;
    fx->plan.counts[SEV_ERROR] = 0;
    add_finding(fx, m, s, "ADD COLUMN c01", "constraint-without-not-valid", "early", NULL);
    out = render(fx, FORMAT_TEXT, false);
    src = line_after(fx, out, "early");
    caret = line_after(fx, out, src);
    assert_true(strncmp(src, "  1 | ALTER TABLE t ADD", 22) == 0);
    assert_int_equal(strlen(src), strlen("  1 | ") + 120);
    assert_int_equal(strchr(caret, '^') - caret, strstr(src, "ADD COLUMN c01") - src);

    /* Near the end only the start is cut. */
    fx->plan.findings.len = 0;
    fx->plan.counts[SEV_ERROR] = 0;
    add_finding(fx, m, s, "last int", "constraint-without-not-valid", "late", NULL);
    out = render(fx, FORMAT_TEXT, false);
    src = line_after(fx, out, "late");
    caret = line_after(fx, out, src);
    assert_true(strncmp(src, "  1 | ...", 9) == 0);
    assert_int_equal(strlen(src), strlen("  1 | ") + 120);
    assert_string_equal(src + strlen(src) - strlen("ADD COLUMN last int;"),
                        "ADD COLUMN last int;");
    assert_int_equal(strchr(caret, '^') - caret, strstr(src, "last int") - src);
    fixture_free(fx);
}

static void test_text_control_chars_neutralised(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("zdm: 1 pending migration", NULL);
    Migration *m = add_migration(fx, "0001_esc", "SELECT '\033[31m' ; DROP TABLE x; \t \r\n",
                                 PHASE_BEFORE, NULL);
    Statement *s = add_stmt(fx, m, "DROP TABLE x;", COST_CATALOG);
    add_finding(fx, m, s, NULL, "drop-table", "x is gone", NULL);
    char *out = render(fx, FORMAT_TEXT, false);
    assert_null(strchr(out, '\033'));
    assert_null(strchr(out, '\r'));
    char *src = line_after(fx, out, "x is gone");
    assert_string_equal(src, "  1 | SELECT '?[31m' ; DROP TABLE x;"); /* no trailing blanks */
    char *caret = line_after(fx, out, src);
    assert_int_equal(strchr(caret, '^') - caret, strstr(src, "DROP") - src);
    fixture_free(fx);
}

static void test_text_color(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *plain = render(fx, FORMAT_TEXT, false);
    assert_null(strchr(plain, '\033'));

    char *color = render(fx, FORMAT_TEXT, true);
    assert_non_null(strstr(color, "\033[1mBefore the deploy\033[0m\n"));
    assert_non_null(strstr(color, "\033[1mFindings\033[0m\n"));
    assert_non_null(strstr(color, "\033[31merror[index-not-concurrent]\033[0m CREATE INDEX"));
    assert_non_null(strstr(color, "\033[33mwarning[drop-column]\033[0m the data"));
    fixture_free(fx);

    fx = fixture_new("zdm: 1 pending migration", NULL);
    Migration *m = add_migration(fx, "0001_x", "ALTER TABLE t DROP CONSTRAINT c;\n",
                                 PHASE_BEFORE, NULL);
    add_finding(fx, m, add_stmt(fx, m, "ALTER", COST_CATALOG), NULL, "drop-constraint",
                "c no longer checked", NULL);
    color = render(fx, FORMAT_TEXT, true);
    assert_non_null(strstr(color, "\033[36mnotice[drop-constraint]\033[0m"));
    fixture_free(fx);
}

static void test_text_nothing_pending(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("zdm: no pending migrations after 0001_initial", "0001_initial");
    add_migration(fx, "0001_initial", "CREATE TABLE t (id int);\n", PHASE_DEPLOYED, NULL);
    char *out = render(fx, FORMAT_TEXT, false);
    assert_string_equal(out, "zdm: no pending migrations after 0001_initial\n"
                             "PostgreSQL 15\n"
                             "\n"
                             "no findings\n");
    fixture_free(fx);
}

static void test_summary_wording(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("x", NULL);
    assert_string_equal(report_summary(fx->a, &fx->plan), "no findings");
    fx->plan.acknowledged = 2;
    assert_string_equal(report_summary(fx->a, &fx->plan), "no findings (2 acknowledged)");
    fx->plan.acknowledged = 0;
    fx->plan.counts[SEV_ERROR] = 1;
    fx->plan.counts[SEV_NOTICE] = 2;
    assert_string_equal(report_summary(fx->a, &fx->plan), "1 error, 0 warnings, 2 notices");
    fixture_free(fx);
}

/* ---- json -------------------------------------------------------------- */

static cJSON *item(const cJSON *obj, const char *key)
{
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        fail_msg("missing field \"%s\"", key);
    return it;
}

static const char *str(const cJSON *obj, const char *key)
{
    cJSON *it = item(obj, key);
    if (!cJSON_IsString(it))
        fail_msg("field \"%s\" is not a string", key);
    return it->valuestring;
}

static int num(const cJSON *obj, const char *key)
{
    cJSON *it = item(obj, key);
    if (!cJSON_IsNumber(it))
        fail_msg("field \"%s\" is not a number", key);
    return it->valueint;
}

static void test_json_fields(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_JSON, false);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);

    assert_int_equal(num(root, "format_version"), 1);
    assert_int_equal(num(root, "pg_version"), 15);
    assert_string_equal(str(root, "assumption"),
                        "zdm: 4 pending migrations after 0001_initial (--deployed)");
    assert_string_equal(str(root, "deployed"), "0001_initial");

    cJSON *migs = item(root, "migrations");
    assert_true(cJSON_IsArray(migs));
    assert_int_equal(cJSON_GetArraySize(migs), 5);
    const char *phases[] = {"deployed", "before-deploy", "before-deploy", "after-deploy",
                            "two-releases"};
    for (int i = 0; i < 5; i++) {
        cJSON *m = cJSON_GetArrayItem(migs, i);
        assert_string_equal(str(m, "phase"), phases[i]);
        assert_string_equal(str(m, "name"), fx->h.items[i]->name);
        assert_string_equal(str(m, "file"), fx->h.items[i]->file);
        assert_true(cJSON_IsArray(item(m, "statements")));
        assert_true(cJSON_IsArray(item(m, "findings")));
    }

    /* Deployed: no statements; reason null. */
    cJSON *m1 = cJSON_GetArrayItem(migs, 0);
    assert_int_equal(cJSON_GetArraySize(item(m1, "statements")), 0);
    assert_true(cJSON_IsNull(item(m1, "reason")));

    cJSON *m2 = cJSON_GetArrayItem(migs, 1);
    assert_string_equal(str(m2, "reason"), "the new code's search needs the index");
    cJSON *stmts = item(m2, "statements");
    assert_int_equal(cJSON_GetArraySize(stmts), 2);
    cJSON *s0 = cJSON_GetArrayItem(stmts, 0);
    assert_int_equal(num(s0, "index"), 0);
    assert_int_equal(num(s0, "line"), 2);
    assert_int_equal(num(s0, "column"), 1);
    assert_string_equal(str(s0, "sql"), "CREATE INDEX customer_name ON customer (company_name)");
    assert_string_equal(str(s0, "cost"), cost_name(COST_INDEX));
    cJSON *locks = item(s0, "locks");
    assert_int_equal(cJSON_GetArraySize(locks), 1);
    cJSON *lk = cJSON_GetArrayItem(locks, 0);
    assert_string_equal(str(lk, "relation"), "public.customer");
    assert_string_equal(str(lk, "mode"), lock_mode_name(LOCK_SHARE));
    assert_true(cJSON_IsFalse(item(lk, "new_table")));
    cJSON *s1 = cJSON_GetArrayItem(stmts, 1);
    assert_int_equal(cJSON_GetArraySize(item(s1, "locks")), 0);
    assert_string_equal(str(s1, "cost"), cost_name(COST_NONE));

    cJSON *f = cJSON_GetArrayItem(item(m2, "findings"), 0);
    assert_string_equal(str(f, "rule"), "index-not-concurrent");
    assert_string_equal(str(f, "severity"), "error");
    assert_string_equal(str(f, "file"), "migrations/0002_add_index.sql");
    assert_int_equal(num(f, "line"), 2);
    assert_int_equal(num(f, "column"), 1);
    assert_int_equal(num(f, "statement"), 0);
    assert_string_equal(str(f, "fix"),
                        "CREATE INDEX CONCURRENTLY customer_name ON customer (company_name);");
    assert_true(cJSON_IsNull(item(f, "acknowledged")));

    /* New table, and the acknowledged finding with its reason. */
    cJSON *m3 = cJSON_GetArrayItem(migs, 2);
    lk = cJSON_GetArrayItem(item(cJSON_GetArrayItem(item(m3, "statements"), 0), "locks"), 0);
    assert_true(cJSON_IsTrue(item(lk, "new_table")));
    f = cJSON_GetArrayItem(item(m3, "findings"), 0);
    assert_string_equal(str(f, "acknowledged"), "customer has 40 rows");
    assert_int_equal(num(f, "statement"), 1);

    /* Migration-level finding: statement null. */
    cJSON *m5 = cJSON_GetArrayItem(migs, 4);
    assert_int_equal(cJSON_GetArraySize(item(m5, "findings")), 2);
    f = cJSON_GetArrayItem(item(m5, "findings"), 1);
    assert_string_equal(str(f, "rule"), "needs-two-releases");
    assert_true(cJSON_IsNull(item(f, "statement")));

    cJSON *sum = item(root, "summary");
    assert_int_equal(num(sum, "errors"), 3);
    assert_int_equal(num(sum, "warnings"), 1);
    assert_int_equal(num(sum, "notices"), 0);
    assert_int_equal(num(sum, "acknowledged"), 1);
    cJSON_Delete(root);
    fixture_free(fx);
}

static void test_json_layout(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("zdm: nothing", NULL);
    char *out = render(fx, FORMAT_JSON, true); /* colour never reaches machine formats */
    assert_string_equal(out, "{\n"
                             "  \"format_version\": 1,\n"
                             "  \"pg_version\": 15,\n"
                             "  \"assumption\": \"zdm: nothing\",\n"
                             "  \"deployed\": null,\n"
                             "  \"migrations\": [],\n"
                             "  \"summary\": {\n"
                             "    \"errors\": 0,\n"
                             "    \"warnings\": 0,\n"
                             "    \"notices\": 0,\n"
                             "    \"acknowledged\": 0\n"
                             "  }\n"
                             "}\n");
    fixture_free(fx);

    fx = customer_plan();
    out = render(fx, FORMAT_JSON, true);
    assert_null(strchr(out, '\t'));
    assert_null(strchr(out, '\033'));
    fixture_free(fx);
}

static void test_json_escaping(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("say \"hi\"\\ \x01", NULL);
    Migration *m = add_migration(fx, "0001_odd",
                                 "INSERT INTO t VALUES ('a \"quoted\" \\ back\nslash\tt\x1f"
                                 "\u00e9\u20ac\xf0\x9f\x98\x80 bad\xff\xc3(');\n",
                                 PHASE_BEFORE, "line one\nline two");
    Statement *s = add_stmt(fx, m, "INSERT", COST_ROWS);
    s->len = (int)strlen(m->text) - 2; /* up to the ')' */
    char *out = render(fx, FORMAT_JSON, false);
    /* Raw control characters never appear inside the output's strings. */
    for (const char *p = out; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n');
    assert_non_null(strstr(out, "\\u001f"));
    assert_non_null(strstr(out, "\\ufffd"));

    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    assert_string_equal(str(root, "assumption"), "say \"hi\"\\ \x01");
    cJSON *mj = cJSON_GetArrayItem(item(root, "migrations"), 0);
    assert_string_equal(str(mj, "reason"), "line one\nline two");
    cJSON *sj = cJSON_GetArrayItem(item(mj, "statements"), 0);
    /* Valid UTF-8 passes through; each invalid byte becomes U+FFFD. */
    assert_string_equal(str(sj, "sql"),
                        "INSERT INTO t VALUES ('a \"quoted\" \\ back\nslash\tt\x1f"
                        "\u00e9\u20ac\xf0\x9f\x98\x80 bad\ufffd\ufffd(')");
    cJSON_Delete(root);
    fixture_free(fx);
}

/* ---- sarif ------------------------------------------------------------- */

/* On a terminal the prose wraps at its width, continuations indented;
 * source excerpts stay whole; 0 leaves every line as it is. */
static void test_text_wraps(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *plain = render(fx, FORMAT_TEXT, false);
    report_text_width = 50;
    char *wrapped = render(fx, FORMAT_TEXT, false);
    report_text_width = 0;
    int longest_plain = 0, wrapped_lines = 0, plain_lines = 0;
    for (char *line = strtok(plain, "\n"); line; line = strtok(NULL, "\n"), plain_lines++)
        if ((int)strlen(line) > longest_plain)
            longest_plain = (int)strlen(line);
    assert_true(longest_plain > 50);
    /* the prose: the first line, and the findings (the plan's lines per
     * statement are short, and stay as they are) */
    char *findings = strstr(wrapped, "\nFindings");
    assert_non_null(findings);
    memmove(wrapped + strcspn(wrapped, "\n"), findings, strlen(findings) + 1);
    for (char *line = strtok(wrapped, "\n"); line; line = strtok(NULL, "\n"), wrapped_lines++) {
        int cols = 0;
        for (const char *p = line; *p; p++)
            cols += ((unsigned char)*p & 0xC0) != 0x80;
        bool excerpt = strstr(line, " | ") != NULL;
        bool one_word = !strchr(line + strspn(line, " "), ' ');
        /* a finding's location and rule are never broken: alone on their line */
        bool header = line[strlen(line) - 1] == ' ' && line[strlen(line) - 2] == ']';
        if (!excerpt && !one_word && !header && cols > 50)
            fail_msg("wider than 50: '%s'", line);
    }
    assert_true(wrapped_lines > 0 && plain_lines > 0);
    char *again = (report_text_width = 50, render(fx, FORMAT_TEXT, false));
    report_text_width = 0;
    assert_true(strlen(again) > strlen(render(fx, FORMAT_TEXT, false))); /* the breaks add indents */
    fixture_free(fx);
}

/* A numbered step that wraps hangs: its continuations start under the
 * step's text, not under its number, at every width; an unnumbered line
 * wraps under the fix's indent as before. */
static void test_text_wraps_numbered_steps_with_a_hanging_indent(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("zdm: 1 pending migration", NULL);
    Migration *m = add_migration(fx, "0002_idx", "CREATE INDEX i ON customer (name);\n", PHASE_BEFORE, NULL);
    Statement *s = add_stmt(fx, m, "CREATE INDEX i ON customer (name);", COST_INDEX);
    add_finding(fx, m, s, NULL, "index-not-concurrent", "CREATE INDEX blocks writes to customer",
                "1. CREATE INDEX CONCURRENTLY i ON customer (name);  -- builds without blocking writes\n"
                "2. run it outside a transaction block: a migration of its own, with nothing else in it\n"
                "10. a tenth step, whose number is wider, wraps under its own text as well\n"
                "then a line that is not a step wraps under the fix's indent like any prose");
    for (int width = 40; width <= 60; width += 10) {
        report_text_width = width;
        char *out = render(fx, FORMAT_TEXT, false);
        report_text_width = 0;
        char *fix = strstr(out, "  fix: 1. ");
        assert_non_null(fix);
        char *end = strstr(fix, "\n\n"); /* the finding's end */
        assert_non_null(end);
        end[1] = '\0';
        /* each line starts a step, the prose line, or continues the one
         * before at that one's text: "  fix: " and "1. " put it in column
         * 11, "10. " in column 12, the prose in column 8 */
        int steps = 0, hung = 0, prose = 0, under = -1;
        for (char *line = strtok(fix, "\n"); line; line = strtok(NULL, "\n")) {
            int spaces = (int)strspn(line, " ");
            if (strncmp(line, "  fix: 1. ", 10) == 0 || strncmp(line, "       2. ", 10) == 0) {
                steps++;
                under = 10;
            } else if (strncmp(line, "       10. ", 11) == 0) {
                steps++;
                under = 11;
            } else if (strncmp(line, "       then ", 12) == 0) {
                prose++;
                under = 7;
            } else if (spaces == under) {
                hung++;
            } else {
                fail_msg("width %d: '%s' is not under the text above it (column %d)", width, line, under + 1);
            }
            assert_true((int)strlen(line) <= width || !strchr(line + spaces, ' '));
            if (line[strlen(line) - 1] == ' ') /* "...(name);  -- builds" breaks after the ';' */
                fail_msg("width %d: '%s' ends in a blank", width, line);
        }
        assert_int_equal(steps, 3);
        assert_true(hung >= 4); /* every line of the fix is wider than 60 */
        assert_int_equal(prose, 1);
    }
    /* not a terminal: the steps as written, one line each */
    char *plain = render(fx, FORMAT_TEXT, false);
    assert_non_null(strstr(plain, "  fix: 1. CREATE INDEX CONCURRENTLY i ON customer (name);  -- builds without "
                                  "blocking writes\n       2. run it"));
    fixture_free(fx);
}

static void test_sarif(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_SARIF, false);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    assert_string_equal(str(root, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
    assert_string_equal(str(root, "version"), "2.1.0");
    cJSON *runs = item(root, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 1);
    cJSON *run = cJSON_GetArrayItem(runs, 0);
    cJSON *driver = item(item(run, "tool"), "driver");
    assert_string_equal(str(driver, "name"), "zdm");

    /* Every rule, in table order, whether it fired or not. */
    cJSON *rules = item(driver, "rules");
    int nrules = 0;
    for (const Rule *r = analysis_rules; r->id; r++, nrules++) {
        cJSON *rj = cJSON_GetArrayItem(rules, nrules);
        assert_non_null(rj);
        assert_string_equal(str(rj, "id"), r->id);
        assert_string_equal(str(item(rj, "shortDescription"), "text"), r->summary);
        /* the page itself, compiled in, for the rules a result names */
        bool fired = false;
        for (int i = 0; i < fx->plan.findings.len; i++)
            fired |= strcmp(((const Finding *)LIST_GET(&fx->plan.findings, i))->rule->id, r->id) == 0;
        assert_null(cJSON_GetObjectItemCaseSensitive(rj, "helpUri"));
        if (fired) {
            assert_non_null(report_rule_page(r->id));
            assert_string_equal(str(item(rj, "help"), "markdown"), report_rule_page(r->id));
            assert_string_equal(str(item(rj, "help"), "text"), report_rule_page(r->id));
        } else {
            assert_null(cJSON_GetObjectItemCaseSensitive(rj, "help"));
        }
        const char *level = r->severity == SEV_ERROR     ? "error"
                            : r->severity == SEV_WARNING ? "warning"
                                                         : "note";
        assert_string_equal(str(item(rj, "defaultConfiguration"), "level"), level);
    }
    assert_int_equal(cJSON_GetArraySize(rules), nrules);

    /* Every finding, acknowledged ones as suppressed results. */
    cJSON *results = item(run, "results");
    assert_int_equal(cJSON_GetArraySize(results), 5);
    cJSON *r0 = cJSON_GetArrayItem(results, 0);
    assert_string_equal(str(r0, "ruleId"), "index-not-concurrent");
    int idx = num(r0, "ruleIndex");
    assert_string_equal(analysis_rules[idx].id, "index-not-concurrent");
    assert_string_equal(str(r0, "level"), "error");
    assert_string_equal(str(item(r0, "message"), "text"),
                        "CREATE INDEX blocks writes to customer until the index is built\n"
                        "Fix: CREATE INDEX CONCURRENTLY customer_name ON customer (company_name);");
    cJSON *phys = item(cJSON_GetArrayItem(item(r0, "locations"), 0), "physicalLocation");
    assert_string_equal(str(item(phys, "artifactLocation"), "uri"),
                        "migrations/0002_add_index.sql");
    assert_int_equal(num(item(phys, "region"), "startLine"), 2);
    assert_int_equal(num(item(phys, "region"), "startColumn"), 1);
    assert_null(cJSON_GetObjectItemCaseSensitive(r0, "suppressions"));

    cJSON *r1 = cJSON_GetArrayItem(results, 1);
    assert_string_equal(str(r1, "ruleId"), "whole-table-dml");
    cJSON *sup = cJSON_GetArrayItem(item(r1, "suppressions"), 0);
    assert_string_equal(str(sup, "kind"), "inSource");
    assert_string_equal(str(sup, "justification"), "customer has 40 rows");

    cJSON *r2 = cJSON_GetArrayItem(results, 2);
    assert_string_equal(str(r2, "level"), "warning");
    phys = item(cJSON_GetArrayItem(item(r2, "locations"), 0), "physicalLocation");
    assert_int_equal(num(item(phys, "region"), "startColumn"), 14);
    assert_string_equal(str(run, "columnKind"), "unicodeCodePoints");
    cJSON_Delete(root);
    fixture_free(fx);
}

static void test_sarif_note_and_uri(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("x", NULL);
    Migration *m = add_migration(fx, "0001_x", "ALTER TABLE t DROP CONSTRAINT c;\n",
                                 PHASE_BEFORE, NULL);
    m->file = "./db/my migrations/0001_x.sql";
    add_finding(fx, m, add_stmt(fx, m, "ALTER", COST_CATALOG), NULL, "drop-constraint",
                "c no longer checked", NULL);
    Migration *m2 = add_migration(fx, "0002_y", "SELECT 1;\n", PHASE_BEFORE, NULL);
    m2->file = "/abs/0002_y.sql";
    add_finding(fx, m2, NULL, NULL, "needs-two-releases", "two", "");
    char *out = render(fx, FORMAT_SARIF, false);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    cJSON *results = item(cJSON_GetArrayItem(item(root, "runs"), 0), "results");
    cJSON *r0 = cJSON_GetArrayItem(results, 0);
    assert_string_equal(str(r0, "level"), "note");
    assert_string_equal(str(item(r0, "message"), "text"), "c no longer checked");
    cJSON *art = item(item(cJSON_GetArrayItem(item(r0, "locations"), 0), "physicalLocation"),
                      "artifactLocation");
    assert_string_equal(str(art, "uri"), "db/my%20migrations/0001_x.sql");
    cJSON *r1 = cJSON_GetArrayItem(results, 1);
    art = item(item(cJSON_GetArrayItem(item(r1, "locations"), 0), "physicalLocation"),
               "artifactLocation");
    assert_string_equal(str(art, "uri"), "file:///abs/0002_y.sql");
    assert_string_equal(str(item(r1, "message"), "text"), "two");
    cJSON_Delete(root);
    fixture_free(fx);
}

/* ---- github ------------------------------------------------------------ */

static void test_github(void **state)
{
    (void)state;
    Fixture *fx = customer_plan();
    char *out = render(fx, FORMAT_GITHUB, false);
    assert_string_equal(
        out,
        "::error file=migrations/0002_add_index.sql,line=2,col=1,title=zdm index-not-concurrent::"
        "CREATE INDEX blocks writes to customer until the index is built "
        "Fix: CREATE INDEX CONCURRENTLY customer_name ON customer (company_name);\n"
        "::warning file=migrations/0004_drop_plan.sql,line=2,col=14,title=zdm drop-column::"
        "the data in customer.plan is lost Fix: keep a backup of the column\n"
        "::error file=migrations/0005_rename.sql,line=1,col=22,title=zdm rename-column::"
        "queries naming customer.company_name fail Fix: add the new column instead\n"
        "::error file=migrations/0005_rename.sql,line=1,title=zdm needs-two-releases::"
        "no single deploy keeps both code versions working "
        "Fix: release 1: add column name, write both%0Arelease 2: drop column company_name\n"
        "zdm: 3 errors, 1 warning, 0 notices (1 acknowledged)\n");
    fixture_free(fx);
}

static void test_github_escaping(void **state)
{
    (void)state;
    Fixture *fx = fixture_new("x", NULL);
    Migration *m = add_migration(fx, "0001_x", "ALTER TABLE t DROP CONSTRAINT c;\n",
                                 PHASE_BEFORE, NULL);
    m->file = "db/a,b:c%d.sql";
    add_finding(fx, m, add_stmt(fx, m, "ALTER", COST_CATALOG), NULL, "drop-constraint",
                "100% sure: a, b\r\n::error::injected", "one\ntwo");
    char *out = render(fx, FORMAT_GITHUB, false);
    assert_string_equal(out, "::notice file=db/a%2Cb%3Ac%25d.sql,line=1,col=1,"
                             "title=zdm drop-constraint::"
                             "100%25 sure: a, b%0D%0A::error::injected Fix: one%0Atwo\n"
                             "zdm: 0 errors, 0 warnings, 1 notice\n");
    fixture_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_text_sections_in_order),
        cmocka_unit_test(test_text_migration_details),
        cmocka_unit_test(test_text_findings),
        cmocka_unit_test(test_text_caret_under_column_after_tab),
        cmocka_unit_test(test_text_caret_counts_characters),
        cmocka_unit_test(test_text_long_line_is_cut_around_caret),
        cmocka_unit_test(test_text_control_chars_neutralised),
        cmocka_unit_test(test_text_color),
        cmocka_unit_test(test_text_nothing_pending),
        cmocka_unit_test(test_summary_wording),
        cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_json_layout),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_sarif),
        cmocka_unit_test(test_text_wraps),
        cmocka_unit_test(test_text_wraps_numbered_steps_with_a_hanging_indent),
        cmocka_unit_test(test_sarif_note_and_uri),
        cmocka_unit_test(test_github),
        cmocka_unit_test(test_github_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
