/*
 * testfile.h — migration tests (`zdm test`), as written in .zdmtest files.
 *
 * A file holds one or more tests. Each is a list of steps, run in order on a
 * fresh database: migrate to a point, run SQL (that must succeed, or must
 * fail), run a backfill job, query and compare with the expected rows.
 * docs/test.md is the user's side of this format:
 *
 *   test: old code's INSERT still works after 0002
 *   migrate: 0001_create_customer
 *   sql:
 *   INSERT INTO customer (company_name, plan) VALUES ('Acme', 'free');
 *   migrate: 0002_add_company_address
 *   query: SELECT company_name, company_address FROM customer
 *   rows:
 *   Acme | ''
 *
 * Parsing is pure (no database), so it is unit-tested and its errors are
 * golden-tested: each is file:line:column.
 */
#ifndef ZDM_TESTFILE_H
#define ZDM_TESTFILE_H

#include "../util/util.h"

typedef enum TestStepKind {
    STEP_MIGRATE,  /* arg: migration name (or unique prefix); NULL: every migration */
    STEP_SQL,      /* sql must succeed */
    STEP_FAILS,    /* sql must fail; arg: SQLSTATE (5 characters) or text of the message, or NULL */
    STEP_BACKFILL, /* arg: the job's name */
    STEP_QUERY,    /* sql's rows must be rows, in order */
} TestStepKind;

typedef struct TestRow {
    int ncells;
    const char **cells; /* NULL is SQL NULL */
} TestRow;

typedef struct TestStep {
    TestStepKind kind;
    int line;          /* of the directive */
    int arg_column;    /* 1-based column of arg, for errors about it */
    const char *arg;
    const char *sql;   /* SQL, FAILS, QUERY */
    int sql_line;      /* the line its SQL starts on */
    List rows;         /* QUERY: TestRow* */
    int rows_line;     /* the "rows:" line */
} TestStep;

typedef struct TestCase {
    const char *name;
    const char *file;
    int line;
    List steps; /* TestStep* */
} TestCase;

/* Appends the tests of one file to out (TestCase*). Returns 0, or -1 with
 * err at the file, line and column of the mistake. */
int testfile_parse(Arena *a, const char *path, const char *text, size_t len, List *out,
                   ZdmError *err);

/* One cell as the rows: section writes it: NULL, '' for the empty string,
 * quoted when it could be read back otherwise (spaces at its ends, a '|',
 * a leading quote or '#', the word NULL). */
const char *testfile_format_cell(Arena *a, const char *value);
/* A row: cells joined by " | ". */
const char *testfile_format_row(Arena *a, int n, const char *const *cells);

#endif
