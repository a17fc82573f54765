/*
 * sql.h — the libpg_query front end.
 *
 * zdm parses with libpg_query 18, PostgreSQL 18's own grammar, and walks the
 * raw parse tree it builds: PostgreSQL's node structs, read with IsA,
 * castNode and foreach as PostgreSQL's backend reads them (sql/pg.h). Each
 * migration's tree lives in a memory context of its own, which goes with the
 * arena the migration is parsed into, or earlier (sql_drop_tree).
 *
 * zdm used to read the tree as JSON (pg_query_parse prints it, zdm read it
 * back into cJSON): printing and reading cost a third of a long history's
 * check and more than a third of its memory (bench/README.md).
 */
#ifndef ZDM_SQL_H
#define ZDM_SQL_H

#include "../source/source.h"

/* The PostgreSQL majors whose locks and costs zdm models: the oldest still
 * deployed, up to the grammar's own (SQL_PG_NEWEST), which is the default
 * of --pg-version. A server outside the range is read as the nearest. */
#define SQL_PG_OLDEST 13
#define SQL_PG_NEWEST 18
/* The value of --pg-version: SQL_PG_OLDEST..SQL_PG_NEWEST, else -1 with err. */
int sql_pg_version_arg(const char *val, ZdmError *err);

/*
 * Parses m->text into m->stmts, with each statement's offset, line and
 * column, and reads the "-- zdm:" directives in comments:
 *   -- zdm:allow <rule-id> <reason>    on a statement (the comment lines just
 *                                      before it, inside it, or after it on
 *                                      its last line) or, before the first
 *                                      statement, for the whole file
 *   -- zdm:phase before-deploy|after-deploy
 *   -- zdm:requires-backfill <job>     zdm migrate waits for that backfill job
 * A syntax error or a bad directive fills err with file:line:column.
 */
int sql_parse_migration(Arena *a, Migration *m, ZdmError *err);
/* Every migration of h (but those that came parsed), on as many threads as
 * the machine has cores (up to 8): parsing is most of what zdm spends on a
 * long history. The error is the one sql_parse_migration would give first,
 * going in order. */
int sql_parse_history(Arena *a, History *h, ZdmError *err);

/* The same, in the background: sql_parse_start returns at once;
 * sql_parse_wait(p, i) returns 0 when migration i is parsed (the caller's
 * thread parses others meanwhile), or -1 with the first error in order when
 * any failed; sql_parse_finish waits for all and must end every run (it
 * joins the threads). Between start and finish, only the caller's thread may
 * use a, and only between waits. */
typedef struct ParseRun ParseRun;
ParseRun *sql_parse_start(Arena *a, History *h);
int sql_parse_wait(ParseRun *p, int i, ZdmError *err);
int sql_parse_finish(ParseRun *p, ZdmError *err);
/* Frees the parse tree of a migration parsed by sql_parse_start that nothing
 * will read again (its statements' nodes become NULL); a no-op after
 * sql_parse_finish. A long history's deployed part then costs no memory. */
void sql_drop_tree(Migration *m);

/* A syntax error: PostgreSQL's message, and the byte of the text it points
 * at (-1 when it points nowhere). */
typedef struct SqlSyntaxError {
    const char *message;
    int offset;
} SqlSyntaxError;
/* Parses text with PostgreSQL's grammar into a tree that lives as long as a:
 * *stmts is PostgreSQL's List of RawStmt (NIL for no statement). Returns 0,
 * or -1 with *e filled (its message in a). */
struct PgList;
int sql_parse_text(Arena *a, const char *text, struct PgList **stmts, SqlSyntaxError *e);

/* Helpers for walking trees; sql/pg.h has PostgreSQL's own. */
struct Node;
/* The type of node as PostgreSQL names it: "CreateStmt", "A_Const". */
const char *sql_node_name(const struct Node *node);
/* The location node records for itself (for a + b, the operator's), or -1
 * when it records none (a List, a PartitionCmd). */
int sql_node_location(const struct Node *node);
/* The last String of a name list (pg_catalog.int4 → "int4"), and the one
 * before it as *qualifier (or NULL). */
const char *sql_name_list(const struct PgList *names, const char **qualifier);
/* A short rendering of a simple expression, as zdm compares and reports
 * defaults: constants as written, f(...) for calls, "(expression)" else.
 * The replay and zdm diff both render with it. */
const char *sql_expr_text(Arena *a, const struct Node *node);

/* Raw-text scanning (scan.c). t[i] is a byte of text whose end is t[end]. */
bool sql_is_ident_char(unsigned char ch);
/* The end of the string, quoted identifier, dollar quote or comment starting
 * at t[i], or i when none starts there. */
int sql_skip_quoted(const char *t, int i, int end);
/* The first token at or after i: whitespace and comments skipped. */
int sql_skip_noise(const char *t, int i, int end);

#endif
