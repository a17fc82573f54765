/*
 * cmd_test.c — `zdm test`: migration tests, each on a fresh database of a
 * throwaway PostgreSQL (src/prove/server.c) or of --database.
 *
 * Every test file is read, and every migration it names looked up, before
 * any server starts: a mistake in a file is an input error (exit 2) at its
 * line and column, never a failed test. Then each test runs in a database of
 * its own and reports like a test runner: a line per test, the failing step
 * with its query, the expected and the actual rows, and "N passed, N failed"
 * (exit 1 when any failed).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "report/report.h"
#include "prove/prove.h"
#include "prove/server.h"
#include "prove/testfile.h"

static const char test_usage[] =
    "usage: zdm test PATH [FILE.zdmtest...] [options]\n"
    "\n"
    "Runs the migration tests of the migrations directory PATH: every *.zdmtest file\n"
    "in PATH and PATH/tests (or the FILEs given), each test on a fresh database.\n"
    "See docs/test.md for the format.\n"
    "\n"
    "  --database URL   run on this database instead of a throwaway server; zdm drops\n"
    "                   everything in it before each test\n"
    "  --force          with --database: use it even if it holds tables zdm did not create\n"
    "  --pg-bin DIR     where initdb and pg_ctl are (default: pg_config --bindir, then\n"
    "                   /usr/lib/postgresql/*/bin, newest first, then PATH)\n"
    "  --keep           leave the throwaway server and the tests' databases running\n"
    "  --filter TEXT    run only the tests whose name contains TEXT\n"
    "  --format FORMAT  text (default), json (docs/json.md), or junit: JUnit XML for\n"
    "                   CI test reports\n"
    "\n"
    "Exit: 0 all passed, 1 a test failed, 2 a file error (file:line:column), 3 database.\n";

typedef enum TestFormat { TEST_TEXT, TEST_JSON, TEST_JUNIT } TestFormat;

typedef struct TestOptions {
    TestFormat format;
    const char *path;
    List files;
    const char *filter;
    ServerOptions server;
} TestOptions;

enum { OPT_DATABASE = CLI_OPT_BASE, OPT_PG_BIN, OPT_FILTER, OPT_FORCE, OPT_KEEP, OPT_FORMAT };

static const struct option test_options[] = {
    {"database", required_argument, NULL, OPT_DATABASE},
    {"pg-bin", required_argument, NULL, OPT_PG_BIN},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"force", no_argument, NULL, OPT_FORCE},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

static int test_set(void *ctx, int id, const char *name, const char *val, Arena *a, ZdmError *err)
{
    (void)a;
    TestOptions *o = ctx;
    switch (id) {
    case OPT_DATABASE: o->server.database = val; break;
    case OPT_PG_BIN: o->server.pg_bin = val; break;
    case OPT_FILTER: o->filter = val; break;
    case OPT_FORCE: o->server.force = true; break;
    case OPT_KEEP: o->server.keep = true; break;
    case OPT_FORMAT:
        if (strcmp(val, "text") == 0)
            o->format = TEST_TEXT;
        else if (strcmp(val, "json") == 0)
            o->format = TEST_JSON;
        else if (strcmp(val, "junit") == 0)
            o->format = TEST_JUNIT;
        else
            return zdm_error(err, NULL, 0, 0, "--format takes text, json or junit, not '%s'", val);
        break;
    default: return zdm_error(err, NULL, 0, 0, "option --%s is not handled", name);
    }
    return 0;
}

const CliCommand cli_test = {"test", test_usage, "run the migration tests (*.zdmtest) on a throwaway PostgreSQL",
                             test_options, test_set};

static int parse_options(int argc, char **argv, Arena *a, TestOptions *o, ZdmError *err)
{
    List operands = {0};
    int rc = cli_parse(&cli_test, argc, argv, o, &operands, a, err);
    if (rc != 0)
        return rc;
    if (operands.len == 0)
        return cli_usage_error(&cli_test, err, "no migrations directory given");
    o->path = LIST_GET(&operands, 0);
    for (int i = 1; i < operands.len; i++)
        list_push(a, &o->files, LIST_GET(&operands, i));
    if (o->server.force && !o->server.database)
        return zdm_error(err, NULL, 0, 0, "--force only applies to --database");
    if (o->server.keep && o->server.database)
        return zdm_error(err, NULL, 0, 0, "--keep only applies to the throwaway server, not --database");
    return 0;
}

static int name_cmp(const void *x, const void *y)
{
    return util_natural_cmp(*(const char *const *)x, *(const char *const *)y);
}

/* The *.zdmtest files of dir, in natural order. */
static void find_files(Arena *a, const char *dir, List *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    List found = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] != '.' && n > 8 && strcmp(de->d_name + n - 8, ".zdmtest") == 0)
            list_push(a, &found, arena_printf(a, "%s/%s", dir, de->d_name));
    }
    closedir(d);
    if (found.len)
        qsort(found.items, (size_t)found.len, sizeof(void *), name_cmp);
    for (int i = 0; i < found.len; i++)
        list_push(a, out, LIST_GET(&found, i));
}

/* Every migrate: names a migration of the history. */
static int check_names(const History *h, const TestCase *t, ZdmError *err)
{
    for (int i = 0; i < t->steps.len; i++) {
        const TestStep *s = LIST_GET(&t->steps, i);
        if (s->kind != STEP_MIGRATE || !s->arg)
            continue;
        if (prove_find(h, s->arg, "migrate:", err) < 0) {
            snprintf(err->file, sizeof err->file, "%s", t->file);
            err->line = s->line;
            err->column = s->arg_column;
            err->kind = ERR_INPUT;
            return -1;
        }
    }
    return 0;
}

/* The first line of a server message, for a report line. */
static const char *one_line(Arena *a, const char *msg)
{
    size_t n = strcspn(msg, "\n");
    return arena_strndup(a, msg, n);
}

static void print_sql(FILE *out, const char *sql)
{
    const char *p = sql;
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "       | %.*s\n", (int)n, p);
        p += n;
        if (*p)
            p++;
    }
}

static void print_rows(Arena *a, FILE *out, const char *what, List *rows)
{
    fprintf(out, "     %s (%d row%s):\n", what, rows->len, rows->len == 1 ? "" : "s");
    for (int i = 0; i < rows->len; i++) {
        const TestRow *r = LIST_GET(rows, i);
        fprintf(out, "       %s\n", testfile_format_row(a, r->ncells, r->cells));
    }
}

static bool rows_equal(const List *x, const List *y)
{
    if (x->len != y->len)
        return false;
    for (int i = 0; i < x->len; i++) {
        const TestRow *a = LIST_GET(x, i), *b = LIST_GET(y, i);
        if (a->ncells != b->ncells)
            return false;
        for (int c = 0; c < a->ncells; c++)
            if ((a->cells[c] == NULL) != (b->cells[c] == NULL) ||
                (a->cells[c] && strcmp(a->cells[c], b->cells[c]) != 0))
                return false;
    }
    return true;
}

static bool is_sqlstate(const char *s)
{
    if (strlen(s) != 5)
        return false;
    for (int i = 0; i < 5; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

/*
 * Runs one step. Returns 0 when it passed, 1 when it failed (reported on
 * out), -1 for an error that ends the whole run (err).
 */
static int run_step(Arena *a, History *h, Progress *p, PGconn *conn, const TestCase *t,
                    const TestStep *s, FILE *out, ZdmError *err)
{
    const char *where = arena_printf(a, "%s:%d", t->file, s->line);
    if (s->kind == STEP_MIGRATE || s->kind == STEP_BACKFILL) {
        ZdmError e = {0};
        int rc;
        const char *what;
        if (s->kind == STEP_MIGRATE) {
            int target = s->arg ? prove_find(h, s->arg, "migrate:", &e) : h->n - 1;
            what = arena_printf(a, "migrate: %s", s->arg ? h->items[target]->name : "(every migration)");
            if (target < p->applied - 1) {
                fprintf(out, "     %s: %s: %s is applied already (up to %s): a test only moves forward\n",
                        where, what, h->items[target]->name, h->items[p->applied - 1]->name);
                return 1;
            }
            rc = prove_migrate_to(a, h, p, target, NULL, &e);
        } else {
            what = arena_printf(a, "backfill: %s", s->arg);
            rc = prove_backfill(a, p, s->arg, NULL, &e);
        }
        if (rc == 0)
            return 0;
        if (db_interrupted()) {
            zdm_error(err, NULL, 0, 0, "interrupted");
            err->kind = ERR_DATABASE;
            return -1;
        }
        fprintf(out, "     %s: %s failed:\n       %s%s%s\n", where, what,
                e.file[0] ? e.file : "", e.file[0] ? arena_printf(a, ":%d:%d: ", e.line, e.column) : "",
                e.message);
        return 1;
    }
    db_interrupt_target(conn);
    PGresult *r = PQexec(conn, s->sql);
    db_interrupt_target(NULL);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *msg = one_line(a, primary ? primary : PQresultErrorMessage(r));
    int rc = 0;
    if (db_interrupted()) {
        PQclear(r);
        zdm_error(err, NULL, 0, 0, "interrupted");
        err->kind = ERR_DATABASE;
        return -1;
    }
    if (s->kind == STEP_FAILS) {
        if (ok) {
            fprintf(out, "     %s: fails: the SQL succeeded%s\n", where,
                    s->arg ? arena_printf(a, "; expected %s", s->arg) : "");
            print_sql(out, s->sql);
            rc = 1;
        } else if (s->arg && (is_sqlstate(s->arg) ? !util_streq(state, s->arg) : !strstr(msg, s->arg))) {
            fprintf(out, "     %s: fails: expected %s, got %s %s\n", where, s->arg, state ? state : "", msg);
            print_sql(out, s->sql);
            rc = 1;
        }
    } else if (!ok) {
        fprintf(out, "     %s: %s failed: %s%s%s\n", where, s->kind == STEP_SQL ? "sql" : "query",
                state ? state : "", state ? " " : "", msg);
        print_sql(out, s->sql);
        rc = 1;
    } else if (s->kind == STEP_QUERY) {
        List actual = {0};
        int nf = PQnfields(r);
        for (int i = 0; i < PQntuples(r); i++) {
            TestRow *row = arena_alloc(a, sizeof *row);
            row->ncells = nf;
            row->cells = arena_alloc(a, sizeof(char *) * (size_t)(nf ? nf : 1));
            for (int c = 0; c < nf; c++)
                row->cells[c] = PQgetisnull(r, i, c) ? NULL : arena_strdup(a, PQgetvalue(r, i, c));
            list_push(a, &actual, row);
        }
        if (st != PGRES_TUPLES_OK) {
            fprintf(out, "     %s: query: returns no rows (not a SELECT or RETURNING?)\n", where);
            print_sql(out, s->sql);
            rc = 1;
        } else if (!rows_equal(&s->rows, &actual)) {
            fprintf(out, "     %s: query:\n", where);
            print_sql(out, s->sql);
            print_rows(a, out, "expected", (List *)&s->rows);
            print_rows(a, out, "actual", &actual);
            rc = 1;
        }
    }
    PQclear(r);
    return rc;
}

/* One test's outcome, for the machine formats. */
typedef struct TestResult {
    const TestCase *test;
    bool failed;
    double ms;
    const char *detail; /* the failure's lines, as text prints them; "" when it passed */
} TestResult;

/* 0 passed, 1 failed, -1 error (err). */
static int run_test(Arena *a, History *h, Server *srv, const TestOptions *o, const TestCase *t, int n,
                    const char *migrations_dir, TestResult *res, ZdmError *err)
{
    double t0 = util_now_ms();
    const char *db = arena_printf(a, "zdm_test_%d", n);
    const char *url = server_fresh_db(a, srv, db, err);
    if (!url)
        return -1;
    PGconn *conn = db_connect(a, url, err);
    if (!conn)
        return -1;
    Progress p;
    prove_progress_init(&p, url, migrations_dir);
    /* the failure's lines go after the test's own line: buffer them */
    char *buf = NULL;
    size_t len = 0;
    FILE *detail = open_memstream(&buf, &len);
    int rc = 0;
    for (int i = 0; i < t->steps.len && rc == 0; i++)
        rc = run_step(a, h, &p, conn, t, LIST_GET(&t->steps, i), detail, err);
    PQfinish(conn);
    fclose(detail);
    *res = (TestResult){t, rc > 0, util_now_ms() - t0, arena_strdup(a, buf ? buf : "")};
    if (rc >= 0 && o->format == TEST_TEXT) {
        printf("%s %s:%d: %s (%.0f ms)\n", rc ? "FAIL" : "ok  ", t->file, t->line, t->name, res->ms);
        fputs(buf, stdout);
        fflush(stdout);
    }
    free(buf);
    if (!o->server.keep)
        server_drop_db(a, srv, db);
    return rc;
}

/* The failure's lines without the indent text gives them. */
static const char *unindent(Arena *a, const char *detail)
{
    StrBuf sb;
    sb_init(&sb, a);
    for (const char *p = detail; *p;) {
        size_t n = strcspn(p, "\n");
        const char *q = p;
        for (int k = 0; k < 5 && *q == ' ' && q < p + n; k++)
            q++;
        sb_appendn(&sb, q, n - (size_t)(q - p));
        p += n;
        if (*p) {
            sb_append(&sb, "\n");
            p++;
        }
    }
    return sb.data;
}

static void test_json(Arena *a, const TestResult *r, int n, int passed, int failed)
{
    ReportJson j;
    report_json_init(&j, stdout);
    report_json_open(&j, '{');
    report_json_key(&j, "format_version");
    report_json_int(&j, 1);
    report_json_key(&j, "tests");
    report_json_open(&j, '[');
    for (int i = 0; i < n; i++) {
        report_json_open(&j, '{');
        report_json_key(&j, "name");
        report_json_str(&j, r[i].test->name);
        report_json_key(&j, "file");
        report_json_str(&j, r[i].test->file);
        report_json_key(&j, "line");
        report_json_int(&j, r[i].test->line);
        report_json_key(&j, "status");
        report_json_str(&j, r[i].failed ? "failed" : "passed");
        report_json_key(&j, "duration_ms");
        report_json_int(&j, (long)(r[i].ms + 0.5));
        report_json_key(&j, "failure");
        report_json_str(&j, r[i].failed ? unindent(a, r[i].detail) : NULL);
        report_json_close(&j, '}');
    }
    report_json_close(&j, ']');
    report_json_key(&j, "summary");
    report_json_open(&j, '{');
    report_json_key(&j, "passed");
    report_json_int(&j, passed);
    report_json_key(&j, "failed");
    report_json_int(&j, failed);
    report_json_close(&j, '}');
    report_json_close(&j, '}');
}

/* XML 1.0 text or attribute: the five specials escaped, and the control
 * characters XML cannot hold at all dropped. */
static void xml(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        case '\n': fputs("&#10;", out); break;
        default:
            if (*p >= 0x20 || *p == '\t')
                fputc(*p, out);
        }
    }
}

/* JUnit XML as CI test reports read it (GitLab's artifacts:reports:junit,
 * Jenkins, GitHub actions that publish test results): one testsuite, the
 * migrations directory; one testcase per test, its file as classname. */
static void test_junit(Arena *a, const char *path, const TestResult *r, int n, int failed)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += r[i].ms;
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    printf("<testsuites name=\"zdm test\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n", n, failed,
           total / 1000);
    printf("  <testsuite name=\"");
    xml(stdout, path);
    printf("\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n, failed, total / 1000);
    for (int i = 0; i < n; i++) {
        printf("    <testcase name=\"");
        xml(stdout, r[i].test->name);
        printf("\" classname=\"");
        xml(stdout, r[i].test->file);
        printf("\" file=\"");
        xml(stdout, r[i].test->file);
        printf("\" line=\"%d\" time=\"%.3f\"", r[i].test->line, r[i].ms / 1000);
        if (!r[i].failed) {
            printf("/>\n");
            continue;
        }
        const char *detail = unindent(a, r[i].detail);
        printf(">\n      <failure message=\"");
        xml(stdout, arena_strndup(a, detail, strcspn(detail, "\n")));
        printf("\" type=\"assertion\">");
        /* the body keeps its newlines: a report shows it as written */
        for (const char *p = detail; *p; p++) {
            if (*p == '\n')
                putchar('\n');
            else {
                char one[2] = {*p, 0};
                xml(stdout, one);
            }
        }
        printf("</failure>\n    </testcase>\n");
    }
    printf("  </testsuite>\n</testsuites>\n");
}

static int run_tests(TestOptions *po, int argc, char **argv, Arena *a, ZdmError *err)
{
    TestOptions o = *po;
    int rc = parse_options(argc, argv, a, &o, err);
    po->format = o.format;
    po->path = o.path;
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    History h = {0};
    if (prove_load(a, o.path, &h, err) < 0)
        return -1;
    if (h.explicit_files)
        return zdm_error(err, NULL, 0, 0, "zdm test needs a migrations directory, not single files");
    if (o.files.len == 0) {
        find_files(a, o.path, &o.files);
        find_files(a, arena_printf(a, "%s/tests", o.path), &o.files);
        if (o.files.len == 0)
            return zdm_error(err, NULL, 0, 0, "no tests: no *.zdmtest file in %s or %s/tests (docs/test.md)",
                             o.path, o.path);
    }
    /* every file read and checked before anything runs */
    List tests = {0};
    for (int i = 0; i < o.files.len; i++) {
        const char *file = LIST_GET(&o.files, i);
        size_t len;
        char *text = util_read_file(a, file, &len, err);
        if (!text)
            return -1;
        int before = tests.len;
        if (testfile_parse(a, file, text, len, &tests, err) < 0)
            return -1;
        for (int k = before; k < tests.len; k++)
            if (check_names(&h, LIST_GET(&tests, k), err) < 0)
                return -1;
    }
    List run = {0};
    for (int i = 0; i < tests.len; i++) {
        TestCase *t = LIST_GET(&tests, i);
        if (!o.filter || strstr(t->name, o.filter))
            list_push(a, &run, t);
    }
    if (run.len == 0)
        return zdm_error(err, NULL, 0, 0, "no test name contains '%s' (--filter)", o.filter);

    Server srv;
    if (server_open(a, &o.server, &srv, err) < 0) {
        server_close(a, &srv, false, NULL, stderr);
        return -1;
    }
    int passed = 0, failed = 0;
    rc = 0;
    TestResult *results = arena_alloc(a, sizeof *results * (size_t)run.len);
    for (int i = 0; i < run.len; i++) {
        int r = run_test(a, &h, &srv, &o, LIST_GET(&run, i), i + 1, o.path, &results[i], err);
        if (r < 0) {
            rc = -1;
            break;
        }
        r ? failed++ : passed++;
    }
    server_close(a, &srv, o.server.keep, run.len == 1 ? "zdm_test_1" : NULL, stderr);
    if (rc < 0)
        return -1;
    if (o.format == TEST_JSON)
        test_json(a, results, run.len, passed, failed);
    else if (o.format == TEST_JUNIT)
        test_junit(a, o.path, results, run.len, failed);
    else
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* A failure before any result (a test file's error, a server that cannot
 * start) as JUnit XML: one testcase holding an <error>, so a CI test report
 * shows it instead of an empty, green suite. */
static void test_junit_error(Arena *a, const char *path, const ZdmError *err)
{
    const char *where = err->file[0] ? err->file : path ? path : "zdm test";
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    printf("<testsuites name=\"zdm test\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.000\">\n");
    printf("  <testsuite name=\"");
    xml(stdout, path ? path : "zdm test");
    printf("\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.000\">\n");
    printf("    <testcase name=\"zdm test\" classname=\"");
    xml(stdout, where);
    printf("\" file=\"");
    xml(stdout, where);
    printf("\"");
    if (err->line > 0)
        printf(" line=\"%d\"", err->line);
    printf(" time=\"0.000\">\n      <error message=\"");
    xml(stdout, arena_strndup(a, err->message, strcspn(err->message, "\n")));
    printf("\" type=\"");
    xml(stdout, report_error_id(err));
    printf("\">");
    if (err->file[0] && err->line > 0)
        printf("%s:%d:%d: ", err->file, err->line, err->column > 0 ? err->column : 1);
    for (const char *p = err->message; *p; p++) {
        if (*p == '\n')
            putchar('\n');
        else {
            char one[2] = {*p, 0};
            xml(stdout, one);
        }
    }
    printf("</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n");
}

int cmd_test(int argc, char **argv, Arena *a, ZdmError *err)
{
    TestOptions o = {0};
    int rc = run_tests(&o, argc, argv, a, err);
    const char *asked = cli_format_asked(argc, argv);
    if (rc < 0 && (asked ? strcmp(asked, "junit") == 0 : o.format == TEST_JUNIT)) {
        test_junit_error(a, o.path, err);
        return rc;
    }
    return commands_json_failure(rc, o.format == TEST_JSON, argc, argv, err);
}
