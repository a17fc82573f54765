/*
 * testfile.c — reading .zdmtest files (the format is in testfile.h and
 * docs/test.md).
 *
 * The format is line-based so that SQL can be pasted in as it is: a
 * directive is a known keyword and a colon at the start of a line; every
 * other line belongs to the SQL or the rows of the directive above it.
 * Lines starting with '#' are comments everywhere.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "testfile.h"

typedef struct Parser {
    Arena *a;
    const char *path;
    ZdmError *err;
    TestCase *test;  /* the test being read */
    TestStep *step;  /* the step whose body the next lines extend, or NULL */
    StrBuf body;
    bool in_body;
} Parser;

static const char *const keywords[] = {"test", "migrate", "sql", "fails", "backfill", "query", "rows", NULL};

/* The keyword of a directive line ("sql:" -> "sql"), or NULL. */
static const char *directive(const char *line, size_t n, size_t *after)
{
    for (int i = 0; keywords[i]; i++) {
        size_t k = strlen(keywords[i]);
        if (n > k && strncmp(line, keywords[i], k) == 0 && line[k] == ':') {
            *after = k + 1;
            return keywords[i];
        }
    }
    return NULL;
}

static const char *trim(Arena *a, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return arena_strndup(a, s, n);
}

/* Splits one rows: line into cells. Returns 0, or -1 with err. */
static int parse_row(Parser *p, const char *line, size_t n, int lineno, TestRow *row)
{
    List cells = {0};
    size_t i = 0;
    for (;;) {
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            i++;
        const char *value;
        if (i < n && line[i] == '\'') {
            StrBuf sb;
            sb_init(&sb, p->a);
            size_t start = i++;
            bool closed = false;
            while (i < n) {
                if (line[i] == '\'') {
                    if (i + 1 < n && line[i + 1] == '\'') {
                        sb_append(&sb, "'");
                        i += 2;
                        continue;
                    }
                    closed = true;
                    i++;
                    break;
                }
                sb_appendn(&sb, line + i, 1);
                i++;
            }
            if (!closed)
                return zdm_error(p->err, p->path, lineno, (int)start + 1,
                                 "unterminated quoted value (write a quote inside one as '')");
            value = sb.data;
            while (i < n && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i < n && line[i] != '|')
                return zdm_error(p->err, p->path, lineno, (int)i + 1,
                                 "expected '|' or the end of the row after a quoted value");
        } else {
            size_t start = i;
            while (i < n && line[i] != '|')
                i++;
            value = trim(p->a, line + start, i - start);
            if (strcmp(value, "NULL") == 0)
                value = NULL;
        }
        list_push(p->a, &cells, (void *)value);
        if (i >= n)
            break;
        i++; /* the '|' */
    }
    row->ncells = cells.len;
    row->cells = (const char **)cells.items;
    return 0;
}

/* Ends the body of the current step: SQL, or the expected rows. */
static int finish_body(Parser *p)
{
    TestStep *s = p->step;
    if (!s || !p->in_body)
        return 0;
    p->in_body = false;
    if (s->kind == STEP_SQL || s->kind == STEP_FAILS || (s->kind == STEP_QUERY && !s->sql)) {
        const char *sql = trim(p->a, p->body.data, p->body.len);
        if (!*sql)
            return zdm_error(p->err, p->path, s->line, 1, "%s: needs SQL, on this line or the lines below",
                             s->kind == STEP_SQL ? "sql" : s->kind == STEP_FAILS ? "fails" : "query");
        s->sql = sql;
    }
    return 0;
}

static int add_body_line(Parser *p, const char *line, size_t n, int lineno)
{
    TestStep *s = p->step;
    if (s->kind == STEP_QUERY && s->sql) { /* the rows */
        const char *t = trim(p->a, line, n);
        if (!*t)
            return 0;
        TestRow *row = arena_alloc(p->a, sizeof *row);
        if (parse_row(p, line, n, lineno, row) < 0)
            return -1;
        list_push(p->a, &s->rows, row);
        return 0;
    }
    if (p->body.len == 0) {
        const char *t = trim(p->a, line, n);
        if (!*t)
            return 0;
        s->sql_line = lineno;
    }
    sb_appendn(&p->body, line, n);
    sb_append(&p->body, "\n");
    return 0;
}

static TestStep *new_step(Parser *p, TestStepKind kind, int lineno)
{
    TestStep *s = arena_alloc(p->a, sizeof *s);
    s->kind = kind;
    s->line = lineno;
    list_push(p->a, &p->test->steps, s);
    return s;
}

/* A test must end with a complete step: a query has its rows. */
static int finish_test(Parser *p)
{
    if (finish_body(p) < 0)
        return -1;
    TestCase *t = p->test;
    if (!t)
        return 0;
    if (t->steps.len == 0)
        return zdm_error(p->err, p->path, t->line, 1, "test '%s' has no steps (migrate:, sql:, query: ...)",
                         t->name);
    TestStep *last = LIST_GET(&t->steps, t->steps.len - 1);
    if (last->kind == STEP_QUERY && last->rows_line == 0)
        return zdm_error(p->err, p->path, last->line, 1,
                         "query: needs the rows it must return: a rows: line below it (rows: alone for none)");
    return 0;
}

static int on_directive(Parser *p, const char *kw, const char *rest, int rest_col, int lineno,
                        List *out)
{
    const char *arg = trim(p->a, rest, strlen(rest));
    int col = rest_col;
    while (rest[col - rest_col] == ' ' || rest[col - rest_col] == '\t')
        col++;
    if (strcmp(kw, "rows") == 0) {
        TestStep *s = p->step;
        if (!s || s->kind != STEP_QUERY || s->rows_line)
            return zdm_error(p->err, p->path, lineno, 1, "rows: must follow a query:");
        if (finish_body(p) < 0)
            return -1;
        if (*arg)
            return zdm_error(p->err, p->path, lineno, col, "rows: takes the rows on the lines below it");
        s->rows_line = lineno;
        p->in_body = true;
        return 0;
    }
    if (p->step && p->step->kind == STEP_QUERY && !p->step->rows_line && strcmp(kw, "test") != 0)
        return zdm_error(p->err, p->path, lineno, 1,
                         "%s: after a query: that has no rows: (write rows: alone if it returns none)", kw);
    if (strcmp(kw, "test") == 0) {
        if (finish_test(p) < 0)
            return -1;
        if (!*arg)
            return zdm_error(p->err, p->path, lineno, col, "test: needs a name");
        p->test = arena_alloc(p->a, sizeof *p->test);
        p->test->name = arg;
        p->test->file = p->path;
        p->test->line = lineno;
        p->step = NULL;
        list_push(p->a, out, p->test);
        return 0;
    }
    if (finish_body(p) < 0)
        return -1;
    if (!p->test)
        return zdm_error(p->err, p->path, lineno, 1, "%s: before any test: (a test starts with test: NAME)", kw);
    TestStep *s;
    if (strcmp(kw, "migrate") == 0) {
        s = new_step(p, STEP_MIGRATE, lineno);
        s->arg = *arg ? arg : NULL;
        s->arg_column = col;
        if (s->arg && strchr(s->arg, ' '))
            return zdm_error(p->err, p->path, lineno, col,
                             "migrate: takes one migration name (or nothing: every migration), not '%s'", arg);
        p->step = s;
        return 0;
    }
    if (strcmp(kw, "backfill") == 0) {
        if (!*arg || strchr(arg, ' '))
            return zdm_error(p->err, p->path, lineno, col, "backfill: takes the name of one backfill job");
        s = new_step(p, STEP_BACKFILL, lineno);
        s->arg = arg;
        s->arg_column = col;
        p->step = s;
        return 0;
    }
    s = new_step(p, strcmp(kw, "sql") == 0 ? STEP_SQL : strcmp(kw, "fails") == 0 ? STEP_FAILS : STEP_QUERY,
                 lineno);
    p->step = s;
    p->in_body = true;
    sb_init(&p->body, p->a);
    if (s->kind == STEP_FAILS) {
        s->arg = *arg ? arg : NULL; /* what the error must be; the SQL is below */
        s->arg_column = col;
    } else if (*arg) {
        s->sql_line = lineno;
        sb_append(&p->body, arg);
        sb_append(&p->body, "\n");
    }
    return 0;
}

int testfile_parse(Arena *a, const char *path, const char *text, size_t len, List *out, ZdmError *err)
{
    Parser p = {.a = a, .path = path, .err = err};
    sb_init(&p.body, a);
    int lineno = 0;
    int before = out->len;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        const char *line = text + i;
        size_t n = e - i;
        if (n && line[n - 1] == '\r')
            n--;
        i = e + 1;
        if (n && line[0] == '#')
            continue;
        size_t after;
        const char *kw = directive(line, n, &after);
        if (kw) {
            const char *rest = arena_strndup(a, line + after, n - after);
            if (on_directive(&p, kw, rest, (int)after + 1, lineno, out) < 0)
                return -1;
            continue;
        }
        if (p.in_body) {
            if (add_body_line(&p, line, n, lineno) < 0)
                return -1;
            continue;
        }
        const char *t = trim(a, line, n);
        if (!*t)
            continue;
        size_t col = 0;
        while (col < n && isspace((unsigned char)line[col]))
            col++;
        return zdm_error(err, path, lineno, (int)col + 1,
                         "expected a directive (test:, migrate:, sql:, fails:, backfill:, query:, rows:) "
                         "at the start of the line, not '%.40s'", t);
    }
    if (finish_test(&p) < 0)
        return -1;
    if (out->len == before)
        return zdm_error(err, path, 0, 0, "no tests in this file (a test starts with test: NAME)");
    return 0;
}

const char *testfile_format_cell(Arena *a, const char *v)
{
    if (!v)
        return "NULL";
    size_t n = strlen(v);
    bool quote = n == 0 || isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]) ||
                 strchr(v, '|') || strchr(v, '\n') || v[0] == '\'' || v[0] == '#' || strcmp(v, "NULL") == 0;
    if (!quote)
        return v;
    StrBuf sb;
    sb_init(&sb, a);
    sb_append(&sb, "'");
    for (const char *c = v; *c; c++) {
        if (*c == '\'')
            sb_append(&sb, "'");
        if (*c == '\n')
            sb_append(&sb, " ");
        else
            sb_appendn(&sb, c, 1);
    }
    sb_append(&sb, "'");
    return sb.data;
}

const char *testfile_format_row(Arena *a, int n, const char *const *cells)
{
    StrBuf sb;
    sb_init(&sb, a);
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? " | " : "", testfile_format_cell(a, cells[i]));
    return sb.data;
}
